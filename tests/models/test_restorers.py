"""Restorers: forward modes, the SRGAN schedule, RaGAN values, step-counter persistence."""

import math

import pytest
import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.structures import BaseDataElement

import srzoo.models  # noqa: F401
from srzoo.registry import RESTORERS

G = dict(type="RRDBNet", mid_channels=8, num_blocks=1, growth_channels=4, upscale_factor=4)
D = dict(type="SRGANDiscriminator", mid_channels=4, input_size=32)
PERCEP = dict(type="PerceptualLoss", layer_weights={"conv1_2": 1.0}, pretrained=None)


def make_gan(kind: str = "SRGAN", **kwargs) -> torch.nn.Module:
    cfg = dict(
        type=kind,
        generator=G,
        discriminator=D,
        gan_loss=dict(type="GANLoss", gan_type="vanilla", loss_weight=1e-3),
        pixel_loss=dict(type="L1Loss"),
        perceptual_loss=PERCEP,
    )
    cfg.update(kwargs)
    return RESTORERS.build(cfg)


def make_wrappers(model: torch.nn.Module) -> OptimWrapperDict:
    def wrap(module):
        return OptimWrapper(torch.optim.Adam(module.parameters(), lr=1e-2))

    return OptimWrapperDict(
        generator=wrap(model.generator), discriminator=wrap(model.discriminator)
    )


def make_batch(n: int = 2, seed: int = 0) -> dict:
    gen = torch.Generator().manual_seed(seed)
    samples = [BaseDataElement(gt_img=torch.rand(3, 32, 32, generator=gen) * 255) for _ in range(n)]
    return dict(
        inputs=[torch.rand(3, 8, 8, generator=gen) * 255 for _ in range(n)], data_samples=samples
    )


def snapshot(module: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def changed(before: list[torch.Tensor], module: torch.nn.Module) -> bool:
    return any(not torch.equal(b, p) for b, p in zip(before, module.parameters()))


D_KEYS = ["loss_d_real", "loss_d_fake", "d_real", "d_fake"]
G_KEYS = ["loss_pix", "loss_perceptual", "loss_gan"]


@pytest.mark.parametrize("kind", ["SRGAN", "ESRGAN"])
def test_schedule_disc_init_steps(kind):
    torch.manual_seed(0)
    model = make_gan(kind, disc_init_steps=2)
    wrappers = make_wrappers(model)
    g_changes, d_changes, keys = [], [], []
    for step in range(5):
        g0, d0 = snapshot(model.generator), snapshot(model.discriminator)
        log_vars = model.train_step(make_batch(seed=step), wrappers)
        g_changes.append(changed(g0, model.generator))
        d_changes.append(changed(d0, model.discriminator))
        keys.append(list(log_vars))
    assert g_changes == [False, False, True, True, True]
    assert d_changes == [True] * 5
    d_only = D_KEYS + ["nonfinite_d"]
    both = G_KEYS + D_KEYS + ["nonfinite_g", "nonfinite_d"]
    assert keys == [d_only, d_only] + [both] * 3  # exact keys, in order; no total key
    assert model.step == 5 and int(model.step_counter) == 5


def test_disc_steps_updates_generator_every_other_step():
    model = make_gan(disc_steps=2)
    wrappers = make_wrappers(model)
    due = []
    for step in range(4):
        g0 = snapshot(model.generator)
        model.train_step(make_batch(seed=step), wrappers)
        due.append(changed(g0, model.generator))
    assert due == [True, False, True, False]


def test_discriminator_frozen_during_generator_step():
    model = make_gan()
    wrappers = make_wrappers(model)
    calls, seen = [], {}

    def record(module, args, out):  # each D call: were D's weights trainable?
        calls.append(any(p.requires_grad for p in module.parameters()))

    model.discriminator.register_forward_hook(record)
    d_backward = wrappers["discriminator"].backward

    def spy(loss):  # D's backward runs after the whole G step's backward
        seen["grads"] = [p.grad for p in model.discriminator.parameters()]
        return d_backward(loss)

    wrappers["discriminator"].backward = spy
    g0 = snapshot(model.generator)
    model.train_step(make_batch(), wrappers)
    assert changed(g0, model.generator)  # the G step ran
    assert calls == [False, True, True]  # G's adversarial loss, then D's real and fake
    assert all(g is None or not g.any() for g in seen["grads"])  # G's loss left D no grad
    assert all(p.requires_grad for p in model.discriminator.parameters())  # thawed again


@pytest.mark.parametrize("kind", ["SRGAN", "ESRGAN"])
def test_generator_untouched_during_disc_init_steps(kind):
    torch.manual_seed(0)
    model = make_gan(kind, disc_init_steps=2)
    wrappers = make_wrappers(model)
    g0 = snapshot(model.generator)
    for step in range(2):
        model.train_step(make_batch(seed=step), wrappers)
        assert not changed(g0, model.generator)
        assert all(p.grad is None or not p.grad.any() for p in model.generator.parameters())
        assert not wrappers["generator"].optimizer.state  # Adam never stepped
    model.train_step(make_batch(seed=2), wrappers)
    assert changed(g0, model.generator) and wrappers["generator"].optimizer.state


def test_fake_of_a_discriminator_only_step_is_made_without_a_graph():
    model = make_gan(disc_steps=2)
    wrappers = make_wrappers(model)
    fakes = []
    model.generator.register_forward_hook(lambda module, args, out: fakes.append(out))
    for step in range(2):  # step 0 updates G, step 1 only D
        model.train_step(make_batch(seed=step), wrappers)
    assert [f.requires_grad for f in fakes] == [True, False]
    assert fakes[1].grad_fn is None


class FixedLogits(torch.nn.Module):
    """A 'discriminator' whose logit is the first pixel of each image."""

    def forward(self, x):
        return x[:, :1, 0, 0]


def bce(logit: float, target: float) -> float:
    p = 1 / (1 + math.exp(-logit))
    return -(target * math.log(p) + (1 - target) * math.log(1 - p))


def logit_images(values):
    return torch.tensor(values).view(-1, 1, 1, 1).expand(-1, 3, 2, 2).clone()


def test_ragan_values_hand_computed():
    model = make_gan("ESRGAN", gan_loss=dict(type="GANLoss", gan_type="vanilla", loss_weight=5e-3))
    real, fake = [1.0, 2.0], [0.0, -1.0]
    mean_r, mean_f = sum(real) / 2, sum(fake) / 2
    gt, sr = logit_images(real), logit_images(fake)
    g_loss = model.adversarial_g_loss(FixedLogits(), sr, gt)
    exp_g = (
        sum(bce(r - mean_f, 0) for r in real) / 2 + sum(bce(f - mean_r, 1) for f in fake) / 2
    ) / 2
    assert g_loss.item() == pytest.approx(5e-3 * exp_g, rel=1e-5)
    d = model.adversarial_d_losses(FixedLogits(), sr, gt)
    assert d["loss_d_real"].item() == pytest.approx(
        sum(bce(r - mean_f, 1) for r in real) / 4, rel=1e-5
    )
    assert d["loss_d_fake"].item() == pytest.approx(
        sum(bce(f - mean_r, 0) for f in fake) / 4, rel=1e-5
    )
    assert d["d_real"].item() == pytest.approx(1.5) and d["d_fake"].item() == pytest.approx(-0.5)


def test_srgan_adversarial_values_hand_computed():
    model = make_gan("SRGAN")
    gt, sr = logit_images([1.0, 2.0]), logit_images([0.0, -1.0])
    g_loss = model.adversarial_g_loss(FixedLogits(), sr, gt)
    assert g_loss.item() == pytest.approx(1e-3 * (bce(0, 1) + bce(-1, 1)) / 2, rel=1e-5)
    d = model.adversarial_d_losses(FixedLogits(), sr, gt)
    assert d["loss_d_real"].item() == pytest.approx((bce(1, 1) + bce(2, 1)) / 2, rel=1e-5)
    assert d["loss_d_fake"].item() == pytest.approx((bce(0, 0) + bce(-1, 0)) / 2, rel=1e-5)


def test_step_counter_saved_and_restored():
    model = make_gan(disc_init_steps=3)
    wrappers = make_wrappers(model)
    for step in range(2):
        model.train_step(make_batch(seed=step), wrappers)
    state = model.state_dict()
    assert int(state["step_counter"]) == 2
    assert not any(k.startswith("perceptual_loss") for k in state)
    fresh = make_gan(disc_init_steps=3)
    fresh.load_state_dict(state)
    assert fresh.step == 2
    assert not fresh.generator_step_due(2) and fresh.generator_step_due(3)


def test_sr_model_forward_modes():
    model = RESTORERS.build(dict(type="SRModel", generator=G, pixel_loss=dict(type="L1Loss")))
    data = model.data_preprocessor(make_batch(n=2), False)
    assert data["inputs"].shape == (2, 3, 8, 8) and data["inputs"].max() <= 1
    out = model(data["inputs"], mode="tensor")
    assert out.shape == (2, 3, 32, 32)
    losses = model(data["inputs"], data["data_samples"], mode="loss")
    assert set(losses) == {"loss_pix"} and losses["loss_pix"].requires_grad
    samples = model.val_step(make_batch(n=2))
    assert samples[0].pred_img.shape == (3, 32, 32)
    assert 0 <= samples[0].pred_img.min() and samples[0].pred_img.max() <= 255
    assert samples[0].gt_img.max() > 1  # GT back in [0, 255] for the metrics
    with pytest.raises(ValueError, match="mode"):
        model(data["inputs"], mode="bogus")


def test_sr_model_train_step_updates_generator_and_logs_loss_keys():
    model = RESTORERS.build(dict(type="SRModel", generator=G, pixel_loss=dict(type="L1Loss")))
    wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-2))
    g0 = snapshot(model.generator)
    log_vars = model.train_step(make_batch(), wrapper)
    assert changed(g0, model.generator)
    # mmengine's convention for one optimizer: the total first, as ``loss``
    assert list(log_vars) == ["loss", "loss_pix", "nonfinite_g"]
    assert log_vars["loss"] == log_vars["loss_pix"]


def test_restorer_without_loss_or_with_bad_schedule_raises():
    model = RESTORERS.build(dict(type="SRModel", generator=G))
    data = model.data_preprocessor(make_batch(), False)
    with pytest.raises(ValueError, match="no loss"):
        model(data["inputs"], data["data_samples"], mode="loss")
    with pytest.raises(ValueError, match="disc_steps"):
        make_gan(disc_steps=0)


def test_mismatched_gt_sizes_in_batch_raise():
    model = make_gan()
    batch = make_batch()
    batch["data_samples"][1].gt_img = torch.zeros(3, 16, 16)
    with pytest.raises(ValueError, match="different sizes"):
        model.train_step(batch, make_wrappers(model))
