"""Mixed precision, gradient accumulation and clipping in the GAN schedule (CPU)."""

import math
import uuid

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.structures import BaseDataElement
from torch import nn

import srzoo.engine  # noqa: F401
import srzoo.models  # noqa: F401
from srzoo.engine.amp import MixedPrecisionOptimWrapper
from srzoo.engine.launch import apply_amp
from srzoo.registry import LOSSES, RESTORERS

G = dict(type="RRDBNet", mid_channels=8, num_blocks=1, growth_channels=4, upscale_factor=4)
D = dict(type="SRGANDiscriminator", mid_channels=4, input_size=32)
PERCEP = dict(type="PerceptualLoss", layer_weights={"conv1_2": 1.0}, pretrained=None)


def make_gan(kind: str = "ESRGAN", **kwargs) -> nn.Module:
    torch.manual_seed(0)
    cfg = dict(
        type=kind,
        generator=G,
        discriminator=D,
        gan_loss=dict(type="GANLoss", gan_type="vanilla", loss_weight=5e-3),
        pixel_loss=dict(type="L1Loss", loss_weight=1e-2),
        perceptual_loss=PERCEP,
    )
    cfg.update(kwargs)
    return RESTORERS.build(cfg)


def wrap(module: nn.Module, precision: str = "fp32", lr: float = 1e-2, **kwargs) -> OptimWrapper:
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    if precision == "fp32":
        return OptimWrapper(optimizer=optimizer, **kwargs)
    dtype = "bfloat16" if precision == "bf16" else "float16"
    return MixedPrecisionOptimWrapper(optimizer=optimizer, dtype=dtype, **kwargs)


def wrappers(model: nn.Module, precision: str = "fp32", **kwargs) -> OptimWrapperDict:
    return OptimWrapperDict(
        generator=wrap(model.generator, precision, **kwargs),
        discriminator=wrap(model.discriminator, precision, **kwargs),
    )


def make_batch(seed: int = 0, n: int = 2) -> dict:
    gen = torch.Generator().manual_seed(seed)
    samples = [BaseDataElement(gt_img=torch.rand(3, 32, 32, generator=gen) * 255) for _ in range(n)]
    return dict(
        inputs=[torch.rand(3, 8, 8, generator=gen) * 255 for _ in range(n)], data_samples=samples
    )


def runtime_info(max_iters: int) -> None:
    """What mmengine's RuntimeInfoHook records before training, in a fresh message hub."""
    hub = MessageHub.get_instance(f"test_amp_{uuid.uuid4().hex}")
    hub.update_info("max_iters", max_iters)


def snapshot(module: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def changed(before: list[torch.Tensor], module: nn.Module) -> bool:
    return any(not torch.equal(b, p) for b, p in zip(before, module.parameters()))


def run_steps(model, optim, steps) -> tuple[list[bool], list[bool], list[dict]]:
    g_changes, d_changes, logs = [], [], []
    for step in steps:
        g0, d0 = snapshot(model.generator), snapshot(model.discriminator)
        logs.append(model.train_step(make_batch(seed=step), optim))
        g_changes.append(changed(g0, model.generator))
        d_changes.append(changed(d0, model.discriminator))
    return g_changes, d_changes, logs


def test_mixed_precision_wrapper_autocasts_on_cpu_and_scales_only_fp16():
    conv = nn.Conv2d(3, 4, 3)
    bf16 = wrap(conv, "bf16")
    with bf16.optim_context(conv):
        assert conv(torch.rand(1, 3, 8, 8)).dtype == torch.bfloat16
    assert bf16.loss_scaler is None and "loss_scaler" not in bf16.state_dict()
    fp16 = wrap(conv, "fp16", loss_scale=dict(init_scale=1024.0))
    with fp16.optim_context(conv):
        assert conv(torch.rand(1, 3, 8, 8)).dtype == torch.float16
    assert fp16.loss_scaler is not None
    state = fp16.state_dict()
    fresh = wrap(conv, "fp16")
    fresh.load_state_dict(state)
    assert fresh.loss_scaler.get_scale() == 1024.0
    with pytest.raises(ValueError, match="dtype"):
        MixedPrecisionOptimWrapper(optimizer=torch.optim.SGD(conv.parameters(), lr=1), dtype="int8")


@pytest.mark.parametrize("kind", ["SRGAN", "ESRGAN"])
def test_bf16_train_step_runs_networks_in_bf16_with_float32_finite_losses(kind):
    model = make_gan(kind)
    dtypes = {}

    def record(name):
        def hook(module, args, out):
            dtypes.setdefault(name, out.dtype)

        return hook

    model.generator.register_forward_hook(record("g"))
    model.discriminator.register_forward_hook(record("d"))
    g_changes, d_changes, logs = run_steps(model, wrappers(model, "bf16"), range(2))
    assert dtypes == {"g": torch.bfloat16, "d": torch.bfloat16}
    assert g_changes == d_changes == [True, True]
    for log in logs:
        assert {"loss_pix", "loss_perceptual", "loss_gan", "loss_d_real", "loss_d_fake"} <= set(log)
        assert all(math.isfinite(float(v)) for v in log.values())
    fp32_model = make_gan(kind)
    _, _, fp32_logs = run_steps(fp32_model, wrappers(fp32_model), range(1))
    for key in ("loss_pix", "loss_gan", "loss_d_real"):
        assert float(logs[0][key]) == pytest.approx(float(fp32_logs[0][key]), rel=0.05)


def test_losses_are_float32_for_bf16_inputs_and_vgg_gt_branch_has_no_graph():
    pred = torch.rand(2, 3, 16, 16, requires_grad=True)
    target = torch.rand(2, 3, 16, 16, requires_grad=True)
    for gan_type in ("vanilla", "lsgan", "wgan", "hinge", "wgan_softplus"):
        gan = LOSSES.build(dict(type="GANLoss", gan_type=gan_type))
        assert gan(pred.bfloat16().mean((1, 2, 3)), True).dtype == torch.float32
    for name in ("L1Loss", "MSELoss", "CharbonnierLoss"):
        assert LOSSES.build(dict(type=name))(pred.bfloat16(), target).dtype == torch.float32
    percep = LOSSES.build(PERCEP)
    seen = []

    def hook(module, args, out):
        seen.append([(f.dtype, f.requires_grad) for f in out.values()])

    percep.vgg.register_forward_hook(hook)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss, _ = percep(pred, target)
    assert loss.dtype == torch.float32 and math.isfinite(loss.item())
    assert seen == [[(torch.bfloat16, True)], [(torch.bfloat16, False)]]
    loss.backward()
    assert pred.grad is not None and target.grad is None


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_accumulation_follows_the_disc_schedule(precision):
    model = make_gan(disc_init_steps=1)
    optim = wrappers(model, precision, accumulative_counts=2)
    runtime_info(max_iters=6)
    g_changes, d_changes, logs = run_steps(model, optim, range(6))
    # D: every iteration accumulates, steps every 2nd. G: steps at 1..5 accumulate, so
    # G updates after its 2nd and 4th step, and its last (odd) window is flushed at the end.
    assert d_changes == [False, True, False, True, False, True]
    assert g_changes == [False, False, True, False, True, True]
    assert all(math.isfinite(float(v)) for log in logs for v in log.values())


@pytest.mark.parametrize(
    "resume_at, g_expected, d_expected",
    [(3, [False, True], [True, False]), (4, [True, False], [False, True])],
)
def test_accumulation_windows_keep_their_phase_after_resume(resume_at, g_expected, d_expected):
    # G steps at 1, 2, 3, ...: G's k-th step closes a window when k is even; D's i-th
    # iteration when i + 1 is even. A resumed run keeps both phases (the open window's
    # gradients are not in the checkpoint, as with mmengine's single wrapper).
    model = make_gan(disc_init_steps=1)
    runtime_info(max_iters=8)
    run_steps(model, wrappers(model, accumulative_counts=2), range(resume_at))
    steps = range(resume_at, resume_at + 2)
    g_changes, d_changes, _ = run_steps(model, wrappers(model, accumulative_counts=2), steps)
    assert g_changes == g_expected
    assert d_changes == d_expected


@pytest.mark.parametrize("precision", ["fp32", "bf16", "fp16"])
def test_gradient_clipping_bounds_the_generator_update_on_g_steps_only(precision):
    model = make_gan(disc_init_steps=1)
    g_opt = torch.optim.SGD(model.generator.parameters(), lr=1.0)
    d_opt = torch.optim.SGD(model.discriminator.parameters(), lr=1e-3)
    clip = dict(clip_grad=dict(max_norm=1e-3))
    if precision == "fp32":
        g_wrapper = OptimWrapper(optimizer=g_opt, **clip)
    else:
        dtype = "bfloat16" if precision == "bf16" else "float16"
        g_wrapper = MixedPrecisionOptimWrapper(optimizer=g_opt, dtype=dtype, **clip)
    optim = OptimWrapperDict(generator=g_wrapper, discriminator=OptimWrapper(optimizer=d_opt))
    for step, due in enumerate([False, True]):
        g0 = snapshot(model.generator)
        model.train_step(make_batch(seed=step), optim)
        delta = torch.cat([(p - b).flatten() for b, p in zip(g0, model.generator.parameters())])
        if due:
            assert 0 < delta.norm() <= 1e-3 * 1.001
        else:
            assert not delta.any()


def test_apply_amp_switches_every_part_and_keeps_their_settings():
    cfg = Config(
        dict(
            optim_wrapper=dict(
                constructor="MultiOptimWrapperConstructor",
                generator=dict(
                    type="OptimWrapper",
                    optimizer=dict(type="Adam", lr=1e-4),
                    clip_grad=dict(max_norm=1.0),
                    accumulative_counts=2,
                ),
                discriminator=dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-4)),
            )
        )
    )
    apply_amp(cfg, "fp16")
    g, d = cfg.optim_wrapper.generator, cfg.optim_wrapper.discriminator
    assert g.type == d.type == "MixedPrecisionOptimWrapper"
    assert g.dtype == "float16" and g.loss_scale == "dynamic"
    assert g.clip_grad == dict(max_norm=1.0) and g.accumulative_counts == 2
    apply_amp(cfg, "bf16")
    assert d.dtype == "bfloat16" and d.loss_scale is None
    with pytest.raises(ValueError, match="bf16 or fp16"):
        apply_amp(cfg, "fp8")


def test_fp16_parts_have_their_own_grad_scalers():
    model = make_gan()
    optim = wrappers(model, "fp16")
    _, _, logs = run_steps(model, optim, range(2))
    g_scaler = optim["generator"].loss_scaler
    d_scaler = optim["discriminator"].loss_scaler
    assert g_scaler is not d_scaler
    assert all(math.isfinite(float(v)) for log in logs for v in log.values())
    state = optim.state_dict()
    assert "loss_scaler" in state["generator"] and "loss_scaler" in state["discriminator"]
