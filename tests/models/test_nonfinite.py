"""Non-finite guard: a NaN/Inf loss skips its update, is counted, and stops after K in a row."""

import copy

import pytest
import torch
from mmengine.optim import OptimWrapper
from test_restorers import changed, make_batch, make_gan, make_wrappers, snapshot

from srzoo.errors import UsageError
from srzoo.models.restorers.nonfinite import NonFiniteGuard, NonFiniteLossError, backward
from srzoo.registry import RESTORERS

G = dict(type="RRDBNet", mid_channels=8, num_blocks=1, growth_channels=4, upscale_factor=4)


def poison_generator(model, steps):
    """Make the pixel loss NaN at the given G calls (0-based)."""
    original, calls = model.pixel_loss.forward, []

    def pixel(sr, gt):
        calls.append(len(calls))
        out = original(sr, gt)
        return out * float("nan") if calls[-1] in steps else out

    model.pixel_loss.forward = pixel


def poison_discriminator(model, steps):
    """Make D's real loss +Inf at the given iterations (0-based)."""
    original, calls = model.adversarial_d_losses, []

    def d_losses(disc, fake, gt):
        calls.append(len(calls))
        out = original(disc, fake, gt)
        if calls[-1] in steps:
            out["loss_d_real"] = out["loss_d_real"] + float("inf")
        return out

    model.adversarial_d_losses = d_losses


def optimizer_state(wrapper: OptimWrapper) -> dict:
    return copy.deepcopy(wrapper.optimizer.state_dict()["state"])


def same_state(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(all(torch.equal(a[i][k], b[i][k]) for k in a[i]) for i in a)


def test_nan_generator_loss_skips_only_the_generator_update():
    torch.manual_seed(0)
    model = make_gan("ESRGAN", nonfinite_patience=0)
    wrappers = make_wrappers(model)
    poison_generator(model, steps={1, 2})
    logs, g_moved, d_moved = [], [], []
    for step in range(4):
        g0, d0 = snapshot(model.generator), snapshot(model.discriminator)
        g_opt = optimizer_state(wrappers["generator"])
        logs.append(model.train_step(make_batch(seed=step), wrappers))
        g_moved.append(changed(g0, model.generator))
        d_moved.append(changed(d0, model.discriminator))
        if step in (1, 2):  # weights and Adam state untouched, grads dropped
            assert same_state(g_opt, optimizer_state(wrappers["generator"]))
            assert all(p.grad is None for p in model.generator.parameters())
    assert g_moved == [True, False, False, True]
    assert d_moved == [True] * 4  # D's loss was finite: D trained on
    assert [log["nonfinite_g"] for log in logs] == [0, 1, 2, 2]
    assert [log["nonfinite_d"] for log in logs] == [0, 0, 0, 0]
    assert all(torch.isfinite(p).all() for p in model.parameters())
    # One device read per iteration: the log values come back as Python floats, so
    # mmengine's logging has nothing left to synchronise.
    assert all(type(v) is float for log in logs for v in log.values())
    assert model.step == 4  # the schedule advances even when an update is skipped


def test_inf_discriminator_loss_skips_only_the_discriminator_update():
    torch.manual_seed(0)
    model = make_gan("SRGAN", nonfinite_patience=0)
    wrappers = make_wrappers(model)
    poison_discriminator(model, steps={0})
    g0, d0 = snapshot(model.generator), snapshot(model.discriminator)
    log = model.train_step(make_batch(), wrappers)
    assert changed(g0, model.generator) and not changed(d0, model.discriminator)
    assert optimizer_state(wrappers["discriminator"]) == {}  # Adam never stepped
    assert log["nonfinite_d"] == 1 and log["nonfinite_g"] == 0
    assert log["loss_d_real"] == float("inf")  # the bad value is still logged


def test_training_stops_after_patience_consecutive_bad_iterations():
    torch.manual_seed(0)
    model = make_gan("ESRGAN", nonfinite_patience=3)
    wrappers = make_wrappers(model)
    poison_generator(model, steps={0, 2, 3, 4})  # a good step resets the count
    for step in range(4):
        model.train_step(make_batch(seed=step), wrappers)
    g0 = snapshot(model.generator)
    with pytest.raises(NonFiniteLossError, match="generator loss was NaN or Inf for 3 consec"):
        model.train_step(make_batch(seed=4), wrappers)
    assert not changed(g0, model.generator)  # the last bad update was skipped too


def test_sr_model_guard_and_bad_patience():
    torch.manual_seed(0)
    model = RESTORERS.build(dict(type="SRModel", generator=G, pixel_loss=dict(type="L1Loss")))
    wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-2))
    poison_generator(model, steps={0})
    g0 = snapshot(model.generator)
    log = model.train_step(make_batch(), wrapper)
    assert not changed(g0, model.generator) and log["nonfinite_g"] == 1
    assert wrapper.optimizer.state_dict()["state"] == {}
    model.train_step(make_batch(), wrapper)
    assert changed(g0, model.generator)
    with pytest.raises(ValueError, match="nonfinite_patience"):
        NonFiniteGuard(-1)


def test_guard_reads_the_device_once_per_iteration(monkeypatch):
    guard = NonFiniteGuard()
    reads = []
    tolist = torch.Tensor.tolist
    monkeypatch.setattr(torch.Tensor, "tolist", lambda t: reads.append(1) or tolist(t))
    monkeypatch.setattr(torch.Tensor, "item", lambda t: pytest.fail("unexpected .item()"))
    totals = dict(generator=torch.tensor(1.0), discriminator=torch.tensor(float("nan")))
    finite, log = guard.check(totals, dict(loss_a=torch.tensor(2.0), d_real=torch.tensor(3.0)))
    assert reads == [1]
    assert finite == dict(generator=True, discriminator=False)
    assert log == dict(loss_a=2.0, d_real=3.0, nonfinite_g=0.0, nonfinite_d=1.0)


def test_gradients_are_cleared_after_each_iteration():
    model = make_gan("SRGAN")
    wrappers = make_wrappers(model)
    model.train_step(make_batch(), wrappers)
    assert all(p.grad is None for p in model.parameters())  # grads cleared after steps


def test_a_loss_without_gradient_is_refused_with_its_known_cause():
    net = torch.nn.Linear(2, 1)
    wrapper = OptimWrapper(torch.optim.SGD(net.parameters(), lr=0.1))
    net.requires_grad_(False)  # what a compiled D that missed the requires_grad switch gives
    with pytest.raises(UsageError, match="no gradient.*compile=False or upgrade torch"):
        backward(wrapper, net(torch.ones(1, 2)).sum())
    net.requires_grad_(True)
    backward(wrapper, net(torch.ones(1, 2)).sum())
    assert net.weight.grad is not None
