"""Generator EMA, one setting (``model.ema``): the update against hand-computed values, its
schedule through ``train_step``, saving and resuming ``generator_ema`` and its position,
its use for validation, and the removed ``GeneratorEMAHook`` failing when the runner is
built."""

import uuid

import pytest
import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.structures import BaseDataElement
from torch import nn
from train_helpers import in_process_extra, make_pairs, train_in_process, write_config

import srzoo.engine  # noqa: F401
import srzoo.models  # noqa: F401
from srzoo.errors import ConfigKeyError, UsageError
from srzoo.models.restorers.ema import EMASchedule, ema_schedule, ema_update
from srzoo.registry import HOOKS, RESTORERS

G = dict(type="RRDBNet", mid_channels=8, num_blocks=1, growth_channels=4, upscale_factor=4)
D = dict(type="SRGANDiscriminator", mid_channels=4, input_size=32)


def conv_bn() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2))


def fill(module: nn.Module, value: float, count: int) -> None:
    with torch.no_grad():
        for tensor in module.state_dict().values():
            if tensor.dtype.is_floating_point:
                tensor.fill_(value)
            else:
                tensor.fill_(count)


def test_ema_update_matches_hand_computed_values():
    ema, live = conv_bn(), conv_bn()
    fill(ema, 1.0, count=3)
    fill(live, 3.0, count=7)
    ema_update(ema, live, momentum=0.75)
    # float parameters and buffers: 0.75 * 1 + 0.25 * 3 = 1.5; integer buffers copied
    for name, tensor in ema.state_dict().items():
        if tensor.dtype.is_floating_point:
            assert torch.allclose(tensor, torch.full_like(tensor, 1.5)), name
        else:
            assert int(tensor) == 7, name
    assert ema[1].running_var.allclose(torch.full((2,), 1.5))
    assert all(not torch.equal(a, b) for a, b in zip(ema.parameters(), live.parameters()))


def test_ema_update_twice_compounds():
    ema, live = conv_bn(), conv_bn()
    fill(ema, 0.0, count=0)
    fill(live, 1.0, count=1)
    for _ in range(2):
        ema_update(ema, live, momentum=0.9)
    # 1 - 0.9^2
    assert ema[0].weight.flatten()[0].item() == pytest.approx(0.19)


def test_schedule_interval_and_start_iter():
    schedule = EMASchedule(momentum=0.9, interval=2, start_iter=4)
    # after iterations 1, 3, 5, 7; a plain copy (momentum 0) before iteration 4
    expected = [None, 0.0, None, 0.0, None, 0.9, None, 0.9]
    assert [schedule.momentum_at(i) for i in range(8)] == expected
    assert [EMASchedule().momentum_at(i) for i in range(2)] == [0.999, 0.999]


def test_ema_option_forms_and_errors():
    assert ema_schedule(False) is None and ema_schedule(None) is None
    default = ema_schedule(True)
    assert (default.momentum, default.interval, default.start_iter) == (0.999, 1, 0)
    given = ema_schedule(dict(momentum=0.5, start_iter=3))
    assert (given.momentum, given.interval, given.start_iter) == (0.5, 1, 3)
    with pytest.raises(ConfigKeyError, match=r"model\.ema\.momentm.*momentum"):
        ema_schedule(dict(momentm=0.9))
    for bad, word in [
        (dict(momentum=1.0), "momentum"),
        (dict(interval=0), "interval"),
        (dict(start_iter=-1), "start_iter"),
        ("yes", "model.ema must be"),
    ]:
        with pytest.raises(UsageError, match=word):
            ema_schedule(bad)
    with pytest.raises(ConfigKeyError, match="momentm"):  # through the restorer's build
        RESTORERS.build(dict(type="SRModel", generator=G, ema=dict(momentm=0.9)))


def ema_model(kind: str = "SRModel", **ema) -> nn.Module:
    torch.manual_seed(0)
    cfg = dict(type=kind, generator=G, pixel_loss=dict(type="L1Loss"), ema=ema or True)
    if kind != "SRModel":
        cfg.update(discriminator=D, gan_loss=dict(type="GANLoss", gan_type="vanilla"))
    return RESTORERS.build(cfg)


def wrappers(model: nn.Module):
    def wrap(module):
        return OptimWrapper(torch.optim.Adam(module.parameters(), lr=1e-2))

    if not hasattr(model, "discriminator"):
        return wrap(model.generator)
    return OptimWrapperDict(
        generator=wrap(model.generator), discriminator=wrap(model.discriminator)
    )


def batch(seed: int = 0) -> dict:
    gen = torch.Generator().manual_seed(seed)
    samples = [BaseDataElement(gt_img=torch.rand(3, 32, 32, generator=gen) * 255)]
    return dict(inputs=[torch.rand(3, 8, 8, generator=gen) * 255], data_samples=samples)


def state(module: nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def shift_generator(model: nn.Module, delta: float) -> None:
    with torch.no_grad():
        for p in model.generator.parameters():
            p.add_(delta)


def test_train_step_blends_the_updated_generator_into_the_ema():
    model = ema_model(momentum=0.9)
    optim = wrappers(model)
    before, g0 = state(model.generator_ema), state(model.generator)
    model.train_step(batch(), optim)
    live = model.generator.state_dict()
    assert any(not torch.equal(g0[k], live[k]) for k in g0)  # the optimizer stepped first
    for key, value in model.generator_ema.state_dict().items():
        assert torch.allclose(value, 0.9 * before[key] + 0.1 * live[key], atol=1e-6), key


@pytest.mark.parametrize("kind", ["SRModel", "ESRGAN"])
def test_interval_and_start_iter_through_train_steps(kind):
    model = ema_model(kind, momentum=0.5, interval=2, start_iter=2)
    optim = wrappers(model)
    for step in range(4):
        previous = state(model.generator_ema)
        model.train_step(batch(step), optim)
        ema, live = model.generator_ema.state_dict(), model.generator.state_dict()
        if step in (0, 2):  # (step + 1) % 2: no update
            assert all(torch.equal(previous[k], ema[k]) for k in ema)
        elif step == 1:  # before start_iter: a plain copy
            assert all(torch.equal(live[k], ema[k]) for k in ema)
        else:  # averaged from start_iter on
            for k in ema:
                assert torch.allclose(ema[k], 0.5 * previous[k] + 0.5 * live[k], atol=1e-6), k


def test_the_schedule_position_is_resumed_with_the_step_counter():
    model = ema_model(interval=2)
    model.train_step(batch(), wrappers(model))  # iteration 0: no update
    saved = model.state_dict()
    assert int(saved["step_counter"]) == 1
    fresh, plain = ema_model(interval=2), ema_model(interval=2)
    fresh.load_state_dict(saved)
    plain.load_state_dict({k: v for k, v in saved.items() if k != "step_counter"})
    assert (fresh.step, plain.step) == (1, 0)  # a checkpoint without a count: own count
    for restorer, updates in ((fresh, True), (plain, False)):
        before = state(restorer.generator_ema)
        restorer.train_step(batch(1), wrappers(restorer))
        after = restorer.generator_ema.state_dict()
        assert any(not torch.equal(before[k], after[k]) for k in after) is updates


def test_update_unwraps_a_ddp_like_generator():
    model = ema_model(momentum=0.5)
    model.generator = torch.nn.DataParallel(model.generator)  # a registered model wrapper
    model.to(next(model.generator.parameters()).device)  # with one GPU it moved the generator
    shift_generator(model, 1.0)
    before = state(model.generator_ema)
    model.update_ema(0)
    live = model.generator.module.state_dict()
    for key, value in model.generator_ema.state_dict().items():
        assert torch.allclose(value, 0.5 * before[key] + 0.5 * live[key], atol=1e-6), key


def test_ema_is_saved_and_resumed():
    model = ema_model(momentum=0.5)
    shift_generator(model, 0.5)
    model.update_ema(0)
    saved = model.state_dict()
    ema_keys = {k[len("generator_ema.") :] for k in saved if k.startswith("generator_ema.")}
    assert ema_keys == set(model.generator.state_dict())
    fresh = ema_model()
    fresh.load_state_dict(saved)
    for a, b in zip(fresh.generator_ema.parameters(), model.generator_ema.parameters()):
        assert torch.equal(a, b)
    assert not torch.equal(
        next(fresh.generator_ema.parameters()), next(fresh.generator.parameters())
    )


def test_checkpoint_without_ema_starts_the_average_from_its_generator():
    source = RESTORERS.build(dict(type="SRModel", generator=G, pixel_loss=dict(type="L1Loss")))
    assert source.generator_ema is None and source.ema_schedule is None
    shift_generator(source, 0.25)
    model = ema_model()
    model.load_state_dict(source.state_dict())
    for a, b in zip(model.generator_ema.parameters(), source.generator.parameters()):
        assert torch.equal(a, b)


def test_init_weights_starts_ema_equal_to_generator():
    model = ema_model()
    shift_generator(model, 1.0)  # as an init_cfg re-drawing the generator would
    model.init_weights()
    for a, b in zip(model.generator_ema.parameters(), model.generator.parameters()):
        assert torch.equal(a, b)


def test_validation_and_test_use_the_ema_generator():
    model = ema_model()
    with torch.no_grad():
        for p in model.generator_ema.parameters():
            p.zero_()  # the EMA copy now outputs a constant 0
    assert model.inference_generator is model.generator_ema
    data = dict(inputs=[torch.rand(3, 8, 8) * 255])
    for step in (model.val_step, model.test_step):
        out = step(data)[0].pred_img
        assert out.shape == (3, 32, 32) and not out.any()
    assert model(torch.rand(1, 3, 8, 8), mode="tensor").abs().sum() > 0  # training path: G


def test_the_removed_hook_names_the_setting_that_replaces_it():
    with pytest.raises(UsageError, match=r"custom_hooks.*model\.ema=dict\(momentum=0\.9, "):
        HOOKS.build(dict(type="GeneratorEMAHook", momentum=0.9))


def test_an_old_ema_config_fails_when_the_runner_is_built(tmp_path):
    data = make_pairs(tmp_path / "data", count=2)
    old = 'custom_hooks = [dict(type="GeneratorEMAHook", momentum=0.9)]\n'
    config = write_config(tmp_path / "cfg.py", data, in_process_extra(uuid.uuid4().hex) + old)
    with pytest.raises(UsageError, match=r"GeneratorEMAHook.*custom_hooks.*model\.ema"):
        train_in_process(config, tmp_path / "work")
    assert not list((tmp_path / "work").rglob("*.pth"))
