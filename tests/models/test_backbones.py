"""Tests for the generators (SRResNet, MSRResNet, RRDBNet) and the shared layers."""

import inspect
import re

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import srzoo.models  # noqa: F401  (registers every built-in class)
from srzoo.arch import check_scale
from srzoo.models.backbones import MSRResNet, RRDBNet, SRResNet
from srzoo.models.layers import default_init_weights, make_layer
from srzoo.registry import BACKBONES

TINY = dict(mid_channels=8, num_blocks=1)


def _params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _with_params(prefixes: list[str]) -> set[str]:
    return {f"{p}.{s}" for p in prefixes for s in ("weight", "bias")}


@pytest.fixture(scope="module")
def arch_reference(fixtures_dir):
    return torch.load(fixtures_dir / "arch_reference.pt", weights_only=True)


# ---------------------------------------------------------------- shapes and scale errors


@pytest.mark.parametrize(
    ("cls", "scales"),
    [(SRResNet, (2, 3, 4)), (MSRResNet, (2, 3, 4)), (RRDBNet, (1, 2, 4))],
)
def test_output_shape_for_every_supported_scale(cls, scales):
    for scale in scales:
        extra = {"growth_channels": 4} if cls is RRDBNet else {}
        net = cls(upscale_factor=scale, **TINY, **extra).eval()
        with torch.no_grad():
            out = net(torch.rand(2, 3, 8, 12))
        assert out.shape == (2, 3, 8 * scale, 12 * scale)


@pytest.mark.parametrize(
    ("cls", "bad", "supported"),
    [
        (SRResNet, 8, "(2, 3, 4)"),
        (SRResNet, 1, "(2, 3, 4)"),
        (MSRResNet, 8, "(2, 3, 4)"),
        (RRDBNet, 3, "(1, 2, 4)"),
        (RRDBNet, 8, "(1, 2, 4)"),
    ],
)
def test_unsupported_scale_raises_at_build(cls, bad, supported):
    expected = f"{cls.__name__} supports upscale_factor in {supported}, got {bad}"
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        cls(upscale_factor=bad, **TINY)


def test_bad_channel_arguments_raise():
    with pytest.raises(ValueError, match="mid_channels"):
        RRDBNet(mid_channels=0)
    with pytest.raises(ValueError, match="in_channels must equal out_channels"):
        MSRResNet(in_channels=1, out_channels=3)


def test_rrdbnet_x2_and_x1_unshuffle_input_channels():
    assert RRDBNet(upscale_factor=2, **TINY).conv_first.in_channels == 12
    assert RRDBNet(upscale_factor=1, **TINY).conv_first.in_channels == 48
    assert RRDBNet(upscale_factor=4, **TINY).conv_first.in_channels == 3


def test_rrdbnet_x2_pads_odd_input_and_crops_output():
    torch.manual_seed(0)
    net = RRDBNet(upscale_factor=2, growth_channels=4, **TINY).eval()
    x = torch.rand(1, 3, 7, 9)
    with torch.no_grad():
        out = net(x)
        padded = net(F.pad(x, (0, 1, 0, 1), mode="reflect"))
    assert out.shape == (1, 3, 14, 18)
    torch.testing.assert_close(out, padded[..., :14, :18])


# ---------------------------------------------------------------- key layouts (SPEC.md)


def test_msrresnet_state_dict_keys_match_basicsr():
    names = ["conv_first", "upconv1", "upconv2", "conv_hr", "conv_last"]
    names += [f"body.{n}.conv{k}" for n in range(2) for k in (1, 2)]
    net = MSRResNet(mid_channels=8, num_blocks=2, upscale_factor=4)
    assert set(net.state_dict()) == _with_params(names)
    x2 = MSRResNet(mid_channels=8, num_blocks=2, upscale_factor=2)
    assert set(x2.state_dict()) == _with_params([n for n in names if n != "upconv2"])


def test_rrdbnet_state_dict_keys_match_basicsr():
    names = ["conv_first", "conv_body", "conv_up1", "conv_up2", "conv_hr", "conv_last"]
    names += [f"body.{n}.rdb{r}.conv{k}" for n in range(2) for r in (1, 2, 3) for k in range(1, 6)]
    net = RRDBNet(mid_channels=8, num_blocks=2, growth_channels=4)
    assert set(net.state_dict()) == _with_params(names)


# ---------------------------------------------------------------- reference reproduction


@pytest.mark.parametrize(("case", "cls"), [("MSRResNet_x4", MSRResNet), ("RRDBNet_x4", RRDBNet)])
def test_reproduces_basicsr_reference(arch_reference, case, cls):
    ref = arch_reference[case]
    net = cls(**ref["args"]).eval()
    net.load_state_dict(ref["state_dict"], strict=True)
    with torch.no_grad():
        out = net(ref["input"])
    torch.testing.assert_close(out, ref["output"], atol=1e-5, rtol=0)


def test_parameter_counts_of_default_configs():
    assert _params(MSRResNet()) == 1_517_571
    assert _params(RRDBNet()) == 16_697_987


# ---------------------------------------------------------------- initialisation and layers


def test_rrdbnet_dense_block_init_is_kaiming_scaled_by_point_one():
    torch.manual_seed(0)
    net = RRDBNet(mid_channels=16, num_blocks=1, growth_channels=8)
    conv = net.body[0].rdb1.conv5
    kaiming_std = (2.0 / conv.weight[0].numel()) ** 0.5
    ratio = conv.weight.std().item() / kaiming_std
    assert 0.09 < ratio < 0.11
    assert torch.all(conv.bias == 0)


def test_default_init_weights_scale_and_batchnorm():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(32, 64, 3), nn.BatchNorm2d(64), nn.Linear(256, 128))
    default_init_weights(model, scale=0.5, bias_fill=0.25)
    conv, bn, linear = model
    assert conv.weight.std().item() == pytest.approx(0.5 * (2 / (32 * 9)) ** 0.5, rel=0.05)
    assert linear.weight.std().item() == pytest.approx(0.5 * (2 / 256) ** 0.5, rel=0.05)
    assert torch.all(conv.bias == 0.25) and torch.all(linear.bias == 0.25)
    assert torch.all(bn.weight == 1.0) and torch.all(bn.bias == 0.25)


def test_make_layer_builds_independent_blocks():
    seq = make_layer(lambda: nn.Conv2d(2, 2, 1), 3)
    assert isinstance(seq, nn.Sequential) and len(seq) == 3
    assert seq[0].weight is not seq[1].weight
    with pytest.raises(ValueError, match="num_blocks"):
        make_layer(lambda: nn.Identity(), -1)


def test_check_scale():
    assert check_scale("Net", 4, (2, 4)) == 4
    with pytest.raises(ValueError, match=r"Net supports upscale_factor in \(2, 4\), got 3"):
        check_scale("Net", 3, (2, 4))
    with pytest.raises(ValueError):
        check_scale("Net", True, (1, 2))


# ---------------------------------------------------------------- every registered backbone


@pytest.mark.parametrize("name", sorted(BACKBONES.module_dict))
def test_every_registered_backbone_x4_and_channels_last(name):
    cls = BACKBONES.get(name)
    args = dict(TINY, upscale_factor=4)
    if "growth_channels" in inspect.signature(cls).parameters:
        args["growth_channels"] = 4
    torch.manual_seed(0)
    net = BACKBONES.build(dict(type=name, **args)).eval()
    x = torch.rand(1, 3, 6, 5)
    with torch.no_grad():
        out = net(x)
        out_cl = net(x.to(memory_format=torch.channels_last))
    assert out.shape == (1, 3, 24, 20)
    torch.testing.assert_close(out_cl, out, atol=1e-5, rtol=0)
