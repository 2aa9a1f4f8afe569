"""Tests for the SRGAN and ESRGAN (VGG-style) discriminators."""

import pytest
import torch

import srzoo.models  # noqa: F401  (registers every built-in class)
from srzoo.models.discriminators import SRGANDiscriminator, VGGStyleDiscriminator
from srzoo.registry import DISCRIMINATORS

BN_SUFFIXES = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def _vgg_expected_keys(num_stages: int) -> set[str]:
    """BasicSR's VGGStyleDiscriminator key layout, written out from docs/checkpoint_layouts.md."""
    keys = {"conv0_0.weight", "conv0_0.bias"}
    for i in range(num_stages):
        convs = [f"conv{i}_1"] if i == 0 else [f"conv{i}_0", f"conv{i}_1"]
        norms = [f"bn{i}_1"] if i == 0 else [f"bn{i}_0", f"bn{i}_1"]
        keys |= {f"{c}.weight" for c in convs}
        keys |= {f"{n}.{s}" for n in norms for s in BN_SUFFIXES}
    keys |= {f"linear{k}.{s}" for k in (1, 2) for s in ("weight", "bias")}
    return keys


def test_registered():
    assert DISCRIMINATORS.get("SRGANDiscriminator") is SRGANDiscriminator
    assert DISCRIMINATORS.get("VGGStyleDiscriminator") is VGGStyleDiscriminator


@pytest.mark.parametrize("input_size", [128, 256])
def test_vgg_style_logits_shape_and_keys(input_size):
    net = DISCRIMINATORS.build(
        dict(type="VGGStyleDiscriminator", mid_channels=4, input_size=input_size)
    )
    out = net(torch.rand(2, 3, input_size, input_size))
    assert out.shape == (2, 1)
    assert set(net.state_dict()) == _vgg_expected_keys(5 if input_size == 128 else 6)
    assert net.linear1.in_features == 4 * 8 * 4 * 4 and net.linear1.out_features == 100


def test_vgg_style_returns_raw_logits_not_probabilities():
    torch.manual_seed(0)
    net = VGGStyleDiscriminator(mid_channels=4).eval()
    with torch.no_grad():
        net.linear2.bias.fill_(5.0)
        out = net(torch.rand(3, 3, 128, 128))
    assert torch.all(out > 1.0)


def test_vgg_style_reproduces_basicsr_reference(fixtures_dir):
    ref = torch.load(fixtures_dir / "arch_reference.pt", weights_only=True)
    case = ref["VGGStyleDiscriminator_128"]
    net = VGGStyleDiscriminator(**case["args"])
    net.load_state_dict(case["state_dict"], strict=True)
    net.eval()
    with torch.no_grad():
        out = net(case["input"])
    torch.testing.assert_close(out, case["output"], atol=1e-5, rtol=0)


def test_vgg_style_bad_input_size():
    with pytest.raises(ValueError, match=r"input_size in \(128, 256\), got 96"):
        VGGStyleDiscriminator(input_size=96)
    net = VGGStyleDiscriminator(mid_channels=4)
    with pytest.raises(ValueError, match=r"\(N, C, 128, 128\), got \(1, 3, 96, 96\)"):
        net(torch.rand(1, 3, 96, 96))


@pytest.mark.parametrize("input_size", [96, 32])
def test_srgan_logits_shape(input_size):
    net = SRGANDiscriminator(mid_channels=4, input_size=input_size)
    out = net(torch.rand(2, 3, input_size, input_size))
    assert out.shape == (2, 1)
    assert net.linear1.in_features == 4 * 8 * (input_size // 16) ** 2
    assert net.linear1.out_features == 1024 and net.linear2.out_features == 1


def test_srgan_layer_plan_matches_paper():
    net = SRGANDiscriminator(mid_channels=64)
    assert net.conv_first.stride == (1, 1) and net.conv_first.out_channels == 64
    plan = [(b.conv.out_channels, b.conv.stride[0]) for b in net.body]
    assert plan == [(64, 2), (128, 1), (128, 2), (256, 1), (256, 2), (512, 1), (512, 2)]
    assert all(isinstance(b.bn, torch.nn.BatchNorm2d) for b in net.body)


def test_srgan_bad_input_size():
    with pytest.raises(ValueError, match=r"divisible by 16 .*, got 100"):
        SRGANDiscriminator(input_size=100)
    net = SRGANDiscriminator(mid_channels=4, input_size=96)
    with pytest.raises(ValueError, match=r"\(N, C, 96, 96\), got \(2, 3, 128, 128\)"):
        net(torch.rand(2, 3, 128, 128))
