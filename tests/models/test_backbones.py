"""Tests for the generators (SRResNet, MSRResNet, RRDBNet) and the shared layers."""

import re

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import srzoo.models  # noqa: F401  (registers every built-in class)
from srzoo.arch import check_scale
from srzoo.models.backbones import MSRResNet, RRDBNet, SRResNet
from srzoo.models.layers import default_init_weights, make_layer

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


# -------------------------------------------------- key layouts (docs/checkpoint_layouts.md)


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


def _bn(prefix: str) -> set[str]:
    suffixes = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")
    return {f"{prefix}.{s}" for s in suffixes}


@pytest.mark.parametrize("scale", [4, 3])
def test_srresnet_state_dict_keys(scale):
    keys = _with_params(["conv_first", "conv_last"]) | {"act_first.weight", "conv_body.weight"}
    keys |= _bn("bn_body")
    for n in range(2):
        keys |= {f"body.{n}.conv1.weight", f"body.{n}.conv2.weight", f"body.{n}.act.weight"}
        keys |= _bn(f"body.{n}.bn1") | _bn(f"body.{n}.bn2")
    for n in range(2 if scale == 4 else 1):  # x4: two PixelShuffle(2) steps; x3: one (3)
        keys |= _with_params([f"upsample.{n}.conv"]) | {f"upsample.{n}.act.weight"}
    net = SRResNet(mid_channels=8, num_blocks=2, upscale_factor=scale)
    assert set(net.state_dict()) == keys


def test_srresnet_parameter_count_of_the_paper_config():
    """SRGAN paper (Ledig et al. 2017, Fig. 4), B = 16, 64 channels, x4; one PReLU slope each:
    conv9x9 3->64 + bias          3*64*81 + 64           =    15,616
    PReLU                                                 =         1
    16 x (conv3x3 64->64 no bias  64*64*9     = 36,864
          + BN (gamma, beta)      128
          + PReLU                 1
          + conv3x3 no bias       36,864
          + BN                    128)        = 73,985    = 1,183,760
    conv3x3 64->64 no bias + BN   36,864 + 128           =    36,992
    2 x (conv3x3 64->256 + bias   64*256*9 + 256 = 147,712
         + PReLU                  1)                      =   295,426
    conv9x9 64->3 + bias          64*3*81 + 3            =    15,555
    total                                                 = 1,547,350
    (the convs followed by BN carry no bias: BN's beta makes it redundant.)
    """
    assert _params(SRResNet()) == 1_547_350
    assert _params(SRResNet(upscale_factor=2)) == 1_547_350 - 147_713


def test_srresnet_structure_follows_the_paper():
    net = SRResNet(mid_channels=8, num_blocks=3, upscale_factor=4)
    assert net.conv_first.kernel_size == (9, 9) and net.conv_first.padding == (4, 4)
    assert net.conv_last.kernel_size == (9, 9) and net.conv_last.padding == (4, 4)
    assert isinstance(net.act_first, nn.PReLU)
    for block in net.body:
        kinds = [type(m) for m in block.children()]
        assert kinds == [nn.Conv2d, nn.BatchNorm2d, nn.PReLU, nn.Conv2d, nn.BatchNorm2d]
    for step in net.upsample:
        assert step.conv.out_channels == 8 * 4 and isinstance(step.act, nn.PReLU)
    # Every PReLU is applied once per forward: head, one per block, one per upsampling step.
    calls = []
    for module in net.modules():
        if isinstance(module, nn.PReLU):
            module.register_forward_hook(lambda *_: calls.append(1))
    with torch.no_grad():
        net.eval()(torch.rand(1, 3, 5, 6))
    assert len(calls) == 1 + 3 + 2


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
