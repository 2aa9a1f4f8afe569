"""SRVGGNetCompact and UNetDiscriminatorSN against BasicSR, and the released Real-ESRGAN layouts."""

import pytest
import torch
import torch.nn.functional as F

import srzoo.models  # noqa: F401  (registers every built-in class)
from srzoo.apis import load_generator
from srzoo.apis.convert import infer_arch, load_generator_and_arch
from srzoo.errors import WeightsError
from srzoo.models.backbones import SRVGGNetCompact
from srzoo.models.discriminators import UNetDiscriminatorSN
from srzoo.registry import BACKBONES, DISCRIMINATORS

# Released SRVGGNetCompact weights (Real-ESRGAN v0.2.5.0 / v0.3.0), all PReLU x4 under "params".
RELEASED = {
    "realesr-general-x4v3": dict(mid_channels=64, num_convs=32),
    "realesr-general-wdn-x4v3": dict(mid_channels=64, num_convs=32),
    "realesr-animevideov3": dict(mid_channels=64, num_convs=16),
}


@pytest.fixture(scope="module")
def cases(fixtures_dir):
    return torch.load(fixtures_dir / "arch_reference_more.pt", weights_only=True)


@pytest.mark.parametrize("name", ["SRVGGNetCompact-x4-prelu", "SRVGGNetCompact-x2-lrelu"])
def test_srvgg_loads_basicsr_weights_strictly_and_reproduces_outputs(cases, name):
    case = cases[name]
    net = BACKBONES.build(dict(type="SRVGGNetCompact", **case["args"])).eval()
    net.load_state_dict(case["state_dict"], strict=True)
    with torch.no_grad():
        out = net(case["input"])
    assert out.shape == case["output"].shape
    assert (out - case["output"]).abs().max().item() <= 1e-5
    assert SRVGGNetCompact.detect(case["state_dict"]) == case["args"]
    assert infer_arch(case["state_dict"]) == dict(type="SRVGGNetCompact", **case["args"])


def test_unet_discriminator_loads_spectral_norm_state_strictly_and_reproduces_logits(cases):
    case = cases["UNetDiscriminatorSN"]
    disc = DISCRIMINATORS.build(dict(type="UNetDiscriminatorSN", **case["args"])).eval()
    disc.load_state_dict(case["state_dict"], strict=True)
    assert set(disc.state_dict()) == set(case["state_dict"])
    with torch.no_grad():
        out = disc(case["input"])
    assert out.shape == case["output"].shape == (2, 1, 64, 64)
    # The fixture's u/v were never power-iterated, so its logits reach 5e10: the bound is
    # relative to their magnitude (float32 gives ~1e-6).
    scale = case["output"].abs().max().item()
    assert scale > 1e9
    assert (out - case["output"]).abs().max().item() <= 1e-5 * scale


def test_spectral_norm_bounds_each_layer_after_power_iterations():
    torch.manual_seed(0)
    disc = UNetDiscriminatorSN(mid_channels=4).train()
    for _ in range(30):
        disc(torch.rand(1, 3, 16, 16))
    for i in range(1, 9):
        conv = getattr(disc, f"conv{i}")
        top = torch.linalg.matrix_norm(conv.weight.detach().flatten(1), ord=2).item()
        assert top == pytest.approx(1.0, abs=0.05), i
    assert disc.conv0.weight.flatten(1).norm() > 0 and not hasattr(disc.conv0, "weight_u")
    state = {k: v.clone() for k, v in disc.state_dict().items()}
    fresh = UNetDiscriminatorSN(mid_channels=4).eval()
    fresh.load_state_dict(state, strict=True)
    x = torch.rand(2, 3, 16, 24)
    with torch.no_grad():
        torch.testing.assert_close(fresh(x), disc.eval()(x))


def test_unet_decoder_adds_the_encoder_feature_of_each_size():
    # The fixture's logits are too large to show the skip path; check the wiring itself.
    torch.manual_seed(0)
    disc = UNetDiscriminatorSN(mid_channels=4).eval()
    outs, ins = {}, {}
    for i in range(10):
        conv = getattr(disc, f"conv{i}")
        conv.register_forward_hook(lambda m, a, y, i=i: outs.__setitem__(i, y.clone()))
        conv.register_forward_pre_hook(lambda m, a, i=i: ins.__setitem__(i, a[0].clone()))
    with torch.no_grad():
        disc(torch.rand(1, 3, 16, 16))

    def act(i):
        return F.leaky_relu(outs[i], 0.2)

    def up(x):
        return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)

    torch.testing.assert_close(ins[4], up(act(3)))
    torch.testing.assert_close(ins[5], up(act(4) + act(2)))
    torch.testing.assert_close(ins[6], up(act(5) + act(1)))
    torch.testing.assert_close(ins[7], act(6) + act(0))
    torch.testing.assert_close(ins[9], act(8))


def test_unet_skip_connections_and_input_checks():
    torch.manual_seed(0)
    with_skip = UNetDiscriminatorSN(mid_channels=4).eval()
    without = UNetDiscriminatorSN(mid_channels=4, skip_connection=False).eval()
    without.load_state_dict(with_skip.state_dict())
    x = torch.rand(1, 3, 16, 16)
    with torch.no_grad():
        assert not torch.allclose(with_skip(x), without(x))
    with pytest.raises(ValueError, match="multiples of 8"):
        with_skip(torch.rand(1, 3, 12, 16))
    with pytest.raises(ValueError, match="mid_channels must be a positive int"):
        UNetDiscriminatorSN(mid_channels=0)


@pytest.mark.parametrize("scale", [1, 2, 3, 4])
def test_srvgg_every_scale_and_its_nearest_residual(scale):
    net = SRVGGNetCompact(mid_channels=4, num_convs=1, upscale_factor=scale, act_type="relu")
    for p in net.body[-1].parameters():
        torch.nn.init.zeros_(p)  # the body outputs 0: the output is the nearest upsampling
    x = torch.rand(2, 3, 5, 7)
    out = net(x)
    assert out.shape == (2, 3, 5 * scale, 7 * scale)
    torch.testing.assert_close(out, x.repeat_interleave(scale, -2).repeat_interleave(scale, -1))
    assert net.arch_config["upscale_factor"] == scale and net.scale == scale


def test_srvgg_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"supports upscale_factor in \(1, 2, 3, 4\), got 8"):
        SRVGGNetCompact(upscale_factor=8)
    with pytest.raises(ValueError, match="act_type must be one of"):
        SRVGGNetCompact(act_type="gelu")
    with pytest.raises(ValueError, match="out_channels == in_channels"):
        SRVGGNetCompact(out_channels=1)
    sd = SRVGGNetCompact(mid_channels=4, num_convs=1).state_dict()
    sd["body.4.weight"] = sd["body.4.weight"][:40]
    with pytest.raises(WeightsError, match="not in_channels \\* s\\^2"):
        SRVGGNetCompact.detect(sd)
    assert SRVGGNetCompact.detect({"conv_first.weight": torch.zeros(1, 3, 3, 3)}) is None


@pytest.mark.parametrize("name", sorted(RELEASED))
def test_released_layouts_load_through_load_generator(tmp_path, name):
    torch.manual_seed(len(name))
    args = dict(in_channels=3, out_channels=3, upscale_factor=4, act_type="prelu")
    args.update(RELEASED[name])
    source = SRVGGNetCompact(**args).eval()
    for p in source.parameters():
        p.data.normal_(0, 0.02)
    path = tmp_path / f"{name}.pth"
    torch.save({"params": source.state_dict()}, path)
    model, cfg = load_generator_and_arch(str(path))
    assert cfg == dict(type="SRVGGNetCompact", **args)
    x = torch.rand(1, 3, 8, 10)
    with torch.no_grad():
        assert torch.equal(model(x), source(x))
        assert torch.equal(load_generator(str(path))(x), source(x))


def test_activation_that_weights_cannot_show_is_taken_from_arch(tmp_path):
    source = SRVGGNetCompact(mid_channels=8, num_convs=2, act_type="relu").eval()
    path = tmp_path / "relu.pth"
    torch.save({"params": source.state_dict()}, path)
    _, guessed = load_generator_and_arch(str(path))
    assert guessed["act_type"] == "leakyrelu"  # ReLU and LeakyReLU have no weights
    model, cfg = load_generator_and_arch(str(path), arch=dict(act_type="relu"))
    assert cfg["act_type"] == "relu" and cfg["num_convs"] == 2
    x = torch.randn(1, 3, 6, 6)
    with torch.no_grad():
        assert torch.equal(model(x), source(x))
