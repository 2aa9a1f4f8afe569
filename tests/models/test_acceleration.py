"""Restorer speed options: channels_last matches contiguous, compile keeps the keys."""

import math

import pytest
import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.structures import BaseDataElement
from torch import nn

import srzoo.models  # noqa: F401
from srzoo.models.restorers.acceleration import compile_options
from srzoo.registry import RESTORERS

G = dict(type="RRDBNet", mid_channels=8, num_blocks=1, growth_channels=4, upscale_factor=4)
D = dict(type="SRGANDiscriminator", mid_channels=4, input_size=32)
PERCEP = dict(type="PerceptualLoss", layer_weights={"conv2_2": 1.0}, pretrained=None)
CL = torch.channels_last


def make_esrgan(**kwargs) -> nn.Module:
    torch.manual_seed(0)
    return RESTORERS.build(
        dict(
            type="ESRGAN",
            generator=G,
            discriminator=D,
            gan_loss=dict(type="GANLoss", gan_type="vanilla", loss_weight=5e-3),
            pixel_loss=dict(type="L1Loss", loss_weight=1e-2),
            perceptual_loss=PERCEP,
            ema=True,
            **kwargs,
        )
    )


def make_wrappers(model: nn.Module) -> OptimWrapperDict:
    # SGD: updates proportional to the gradients, so the parameters can be compared
    return OptimWrapperDict(
        generator=OptimWrapper(torch.optim.SGD(model.generator.parameters(), lr=0.1)),
        discriminator=OptimWrapper(torch.optim.SGD(model.discriminator.parameters(), lr=0.1)),
    )


def make_batch(seed: int = 0) -> dict:
    gen = torch.Generator().manual_seed(seed)
    samples = [BaseDataElement(gt_img=torch.rand(3, 32, 32, generator=gen) * 255) for _ in range(2)]
    return dict(
        inputs=[torch.rand(3, 8, 8, generator=gen) * 255 for _ in range(2)], data_samples=samples
    )


def conv_weights(module: nn.Module) -> list[torch.Tensor]:
    return [m.weight for m in module.modules() if isinstance(m, nn.Conv2d)]


def test_channels_last_converts_every_network_and_matches_contiguous():
    dense, nhwc = make_esrgan(), make_esrgan(channels_last=True)
    nhwc.load_state_dict(dense.state_dict())
    for part in (nhwc.generator, nhwc.generator_ema, nhwc.discriminator, nhwc.perceptual_loss.vgg):
        assert all(w.is_contiguous(memory_format=CL) for w in conv_weights(part))
    assert not dense.generator.conv_first.weight.is_contiguous(memory_format=CL)
    lq, gt = torch.rand(2, 3, 8, 8), torch.rand(2, 3, 32, 32)
    out = nhwc.generator(lq)
    assert out.is_contiguous(memory_format=CL)
    torch.testing.assert_close(out, dense.generator(lq), rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(
        nhwc.discriminator(gt), dense.discriminator(gt), rtol=1e-4, atol=1e-5
    )
    feats, ref = nhwc.perceptual_loss.vgg(gt), dense.perceptual_loss.vgg(gt)
    torch.testing.assert_close(feats["conv2_2"], ref["conv2_2"], rtol=1e-4, atol=1e-5)


def test_channels_last_train_steps_match_contiguous():
    dense, nhwc = make_esrgan(), make_esrgan(channels_last=True)
    nhwc.load_state_dict(dense.state_dict())
    dense_opt, nhwc_opt = make_wrappers(dense), make_wrappers(nhwc)
    for step in range(2):
        ref = dense.train_step(make_batch(step), dense_opt)
        got = nhwc.train_step(make_batch(step), nhwc_opt)
        assert set(got) == set(ref)
        for key in ref:
            assert float(got[key]) == pytest.approx(float(ref[key]), rel=1e-3, abs=1e-5), key
    for a, b in zip(nhwc.generator.parameters(), dense.generator.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-3, atol=1e-5)
    out = nhwc.val_step(dict(inputs=[torch.rand(3, 8, 8) * 255]))[0].pred_img
    assert out.shape == (3, 32, 32)


def test_compile_keeps_state_dict_keys_and_trains():
    plain = make_esrgan()
    compiled = make_esrgan(compile=dict(backend="aot_eager"))
    keys = list(compiled.state_dict())
    assert keys == list(plain.state_dict())
    assert not any("_orig_mod" in k for k in keys)
    compiled.load_state_dict(plain.state_dict())  # and back into the uncompiled layout
    plain_opt, compiled_opt = make_wrappers(plain), make_wrappers(compiled)
    ref = plain.train_step(make_batch(), plain_opt)
    got = compiled.train_step(make_batch(), compiled_opt)
    assert all(math.isfinite(float(v)) for v in got.values())
    for key in ref:
        assert float(got[key]) == pytest.approx(float(ref[key]), rel=1e-4, abs=1e-6), key
    plain.load_state_dict(compiled.state_dict())
    for a, b in zip(plain.generator.parameters(), compiled.generator.parameters()):
        assert torch.equal(a, b)


def test_compile_option_values():
    assert compile_options(False) is None
    assert compile_options(True) == {}
    assert compile_options(dict(mode="max-autotune")) == dict(mode="max-autotune")
    with pytest.raises(ValueError, match="compile"):
        make_esrgan(compile="yes")
