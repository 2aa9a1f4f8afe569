"""RealESRNet and RealESRGAN: SRModel's / SRGAN's steps, each loss on its own GT."""

import numpy as np
import pytest
import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict

import srzoo.models  # noqa: F401
from srzoo.datasets.degradations import PackRealESRGANInputs, RealESRGANKernels, USMSharp
from srzoo.errors import UsageError
from srzoo.registry import RESTORERS

TINY_G = dict(type="RRDBNet", mid_channels=4, num_blocks=1, growth_channels=4)
GT, PATCH = 80, 32  # GT patches before degradation; the crop after it


def preprocessor(**flags) -> dict:
    degradation = dict(gt_size=PATCH, queue_size=0, **flags.pop("degradation", {}))
    return dict(type="RealESRGANPreprocessor", degradation=degradation, **flags)


def gan(**kwargs) -> torch.nn.Module:
    torch.manual_seed(0)
    cfg = dict(
        type="RealESRGAN",
        generator=TINY_G,
        discriminator=dict(type="UNetDiscriminatorSN", mid_channels=4),
        gan_loss=dict(type="GANLoss", gan_type="vanilla", loss_weight=0.1),
        pixel_loss=dict(type="L1Loss", loss_weight=1.0),
        perceptual_loss=dict(type="PerceptualLoss", layer_weights={"conv1_2": 0.1},
                             pretrained=None),
        ema=dict(momentum=0.999),
        data_preprocessor=preprocessor(),
    )  # fmt: skip
    cfg.update(kwargs)
    return RESTORERS.build(cfg)


def wrappers(model) -> OptimWrapperDict:
    parts = {name: getattr(model, name) for name in ("generator", "discriminator")}
    return OptimWrapperDict(
        **{n: OptimWrapper(torch.optim.Adam(m.parameters(), lr=1e-3)) for n, m in parts.items()}
    )


def packed_batch(seeds=(11, 12)) -> dict:
    """What the data loader gives: GT patches on [0, 255] with their kernels and seeds."""
    rng = np.random.default_rng(seeds[0])
    items = []
    for seed in seeds:
        gt = rng.integers(0, 256, (GT, GT, 3), dtype=np.uint8)
        items.append(PackRealESRGANInputs()(RealESRGANKernels()(dict(sample_seed=seed, gt=gt))))
    return dict(
        inputs=[i["inputs"] for i in items], data_samples=[i["data_samples"] for i in items]
    )


def record_inputs(module: torch.nn.Module, index: int) -> list:
    """The ``index``-th positional input of every call of ``module``."""
    seen = []
    module.register_forward_pre_hook(lambda _, args: seen.append(args[index].detach().clone()))
    return seen


def degraded_samples(model) -> list:
    """Filled with the data samples of each training batch the preprocessor returns."""
    seen = []
    model.data_preprocessor.register_forward_hook(
        lambda _, args, out: seen.append(out["data_samples"]) if args[1] else None
    )
    return seen


def stacked(samples, field: str) -> torch.Tensor:
    return torch.stack([s.get(field) for s in samples])


def test_realesrgan_losses_compare_with_usm_gt_and_d_sees_plain_gt():
    model = gan()
    pixel, percep = record_inputs(model.pixel_loss, 1), record_inputs(model.perceptual_loss, 1)
    disc_inputs = record_inputs(model.discriminator, 0)
    degraded = degraded_samples(model)
    log = model.train_step(packed_batch(), wrappers(model))
    samples = degraded[0]  # the preprocessor put gt_img and gt_usm on them
    gt, gt_usm = stacked(samples, "gt_img"), stacked(samples, "gt_usm")
    assert gt.shape == (2, 3, PATCH, PATCH) and not torch.equal(gt, gt_usm)
    torch.testing.assert_close(gt_usm, USMSharp()(gt))
    assert torch.equal(pixel[0], gt_usm) and torch.equal(percep[0], gt_usm)
    # D's calls: the fake in G's phase, then GT and the detached fake in D's phase.
    assert len(disc_inputs) == 3 and torch.equal(disc_inputs[1], gt)
    assert set(log) == {"loss_pix", "loss_perceptual", "loss_gan", "loss_d_real", "loss_d_fake",
                        "d_real", "d_fake", "nonfinite_g", "nonfinite_d"}  # fmt: skip
    assert int(model.step_counter) == 1


def test_usm_flags_choose_each_target():
    model = gan(data_preprocessor=preprocessor(l1_gt_usm=False, gan_gt_usm=True))
    pixel, percep = record_inputs(model.pixel_loss, 1), record_inputs(model.perceptual_loss, 1)
    disc_inputs = record_inputs(model.discriminator, 0)
    degraded = degraded_samples(model)
    model.train_step(packed_batch(), wrappers(model))
    gt, gt_usm = (stacked(degraded[0], f) for f in ("gt_img", "gt_usm"))
    assert torch.equal(pixel[0], gt) and torch.equal(percep[0], gt_usm)
    assert torch.equal(disc_inputs[1], gt_usm)


def test_realesrgan_updates_g_d_and_the_ema():
    model = gan()
    before = {k: v.clone() for k, v in model.state_dict().items() if "conv_first" in k}
    model.train_step(packed_batch(), wrappers(model))
    after = model.state_dict()
    g, ema = "generator.conv_first.weight", "generator_ema.conv_first.weight"
    assert not torch.equal(after[g], before[g])
    torch.testing.assert_close(after[ema], before[ema] * 0.999 + after[g] * 0.001)
    assert not torch.equal(after["discriminator.conv0.weight"], gan().discriminator.conv0.weight)


def test_realesrnet_trains_l1_on_the_gt_sharpened_before_degradation():
    torch.manual_seed(0)
    model = RESTORERS.build(
        dict(type="RealESRNet", generator=TINY_G, pixel_loss=dict(type="L1Loss"),
             data_preprocessor=preprocessor(degradation=dict(gt_usm="before_degradation")))
    )  # fmt: skip
    pixel, degraded = record_inputs(model.pixel_loss, 1), degraded_samples(model)
    wrapper = OptimWrapper(torch.optim.Adam(model.generator.parameters(), lr=1e-3))
    log = model.train_step(packed_batch(), wrapper)
    assert set(log) == {"loss", "loss_pix", "nonfinite_g"}
    gt, gt_usm = (stacked(degraded[0], f) for f in ("gt_img", "gt_usm"))
    assert torch.equal(gt, gt_usm) and torch.equal(pixel[0], gt_usm)  # one, sharpened, target
    # Real-ESRGAN's mode degrades the same sharpened GT, but its plain target is unsharpened.
    lq = model.data_preprocessor(packed_batch(), True)["inputs"]
    after_pool = RESTORERS.build(preprocessor())(packed_batch(), True)
    assert torch.equal(lq, after_pool["inputs"])
    assert not torch.equal(gt, stacked(after_pool["data_samples"], "gt_img"))
    default = RESTORERS.build(
        dict(type="RealESRNet", generator=TINY_G, pixel_loss=dict(type="L1Loss"))
    )
    assert default.data_preprocessor.degradation.gt_usm == "before_degradation"


def test_bad_preprocessor_or_scale_is_a_usage_error():
    with pytest.raises(UsageError, match="RealESRGANPreprocessor"):
        gan(data_preprocessor=dict(type="SRDataPreprocessor"))
    with pytest.raises(UsageError, match="degradation.scale = 4 but the generator upscales x2"):
        gan(generator=dict(TINY_G, upscale_factor=2))
    with pytest.raises(UsageError, match="RealESRGANPreprocessor"):
        RESTORERS.build(dict(type="RealESRNet", generator=TINY_G, pixel_loss=dict(type="L1Loss"),
                             data_preprocessor=dict(type="SRDataPreprocessor")))  # fmt: skip


def test_validation_batches_are_normalised_not_degraded():
    model = gan().eval()
    lq = torch.full((3, 8, 8), 255.0)
    from mmengine.structures import BaseDataElement

    data = model.data_preprocessor(
        dict(inputs=[lq], data_samples=[BaseDataElement(gt_img=torch.zeros(3, 32, 32))]), False
    )
    assert data["inputs"].shape == (1, 3, 8, 8) and torch.equal(
        data["inputs"], torch.ones(1, 3, 8, 8)
    )
    out = model(data["inputs"], data["data_samples"], mode="predict")
    assert out[0].pred_img.shape == (3, 32, 32)
