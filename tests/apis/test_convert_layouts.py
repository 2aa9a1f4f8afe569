"""Checkpoint interop: every layout converts to BasicSR keys and gives identical outputs."""

import re

import pytest
import torch

import srzoo.models  # noqa: F401
from srzoo.apis import (
    detect_layout,
    infer_arch,
    interpolate_state_dicts,
    load_generator,
    to_basicsr,
)
from srzoo.apis.export import export_safetensors
from srzoo.registry import BACKBONES

RRDB = dict(type="RRDBNet", mid_channels=8, num_blocks=2, growth_channels=4)
MSR = dict(type="MSRResNet", mid_channels=8, num_blocks=2)


def build(cfg, seed=0, **overrides):
    torch.manual_seed(seed)
    return BACKBONES.build({**cfg, **overrides}).eval()


def assert_same_outputs(model, source, **kw):
    loaded = load_generator(source, **kw)
    assert type(loaded) is type(model)
    assert not loaded.training
    x = torch.rand(1, 3, 12, 10)
    with torch.no_grad():
        assert torch.equal(loaded(x), model(x))


def esrgan_new(sd):
    rules = [
        (r"^body\.(\d+)\.rdb(\d)\.conv(\d)\.", r"RRDB_trunk.\1.RDB\2.conv\3."),
        (r"^conv_body\.", "trunk_conv."),
        (r"^conv_up(\d)\.", r"upconv\1."),
        (r"^conv_hr\.", "HRconv."),
    ]
    out = {}
    for key, value in sd.items():
        for pattern, repl in rules:
            key = re.sub(pattern, repl, key)
        out[key] = value
    return out


def esrgan_old(sd, num_blocks):
    tail = {"conv_up1": 3, "conv_up2": 6, "conv_hr": 8, "conv_last": 10}
    out = {}
    for key, value in sd.items():
        new = re.sub(r"^body\.(\d+)\.rdb(\d)\.conv(\d)\.", r"model.1.sub.\1.RDB\2.conv\3.0.", key)
        new = new.replace("conv_body.", f"model.1.sub.{num_blocks}.").replace(
            "conv_first.", "model.0."
        )
        name = new.split(".")[0]
        if name in tail:
            new = new.replace(name, f"model.{tail[name]}", 1)
        out[new] = value
    return out


def prefixed(sd, prefix):
    return {prefix + k: v for k, v in sd.items()}


def test_basicsr_prefers_params_ema():
    ema, plain = build(RRDB, seed=1), build(RRDB, seed=2)
    ckpt = {"params": plain.state_dict(), "params_ema": ema.state_dict()}
    assert detect_layout(ckpt) == "basicsr"
    assert_same_outputs(ema, ckpt)
    assert_same_outputs(plain, {"params": plain.state_dict()})


@pytest.mark.parametrize("ema_prefix", ["generator_ema.", "generator_ema.module."])
def test_mmagic_prefers_ema(ema_prefix):
    ema, plain, disc = build(RRDB, seed=1), build(RRDB, seed=2), {"conv0_0.weight": torch.zeros(1)}
    sd = {**prefixed(plain.state_dict(), "generator."), **prefixed(ema.state_dict(), ema_prefix)}
    sd.update(prefixed(disc, "discriminator."))
    if ema_prefix.endswith("module."):
        sd["generator_ema.steps"] = torch.tensor(7)
    ckpt = {"meta": {"mmagic_version": "1.2.0"}, "state_dict": sd}
    assert detect_layout(ckpt) == "mmagic"
    assert_same_outputs(ema, ckpt)


def test_srzoo_checkpoint_and_generator_only():
    gen = build(MSR, upscale_factor=3)
    sd = {
        **prefixed(gen.state_dict(), "generator."),
        "discriminator.linear1.weight": torch.zeros(2),
    }
    ckpt = {"meta": {"srzoo_version": "0.1.0", "iter": 10}, "state_dict": sd, "message_hub": {}}
    assert detect_layout(ckpt) == "srzoo"
    assert_same_outputs(gen, ckpt)


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_mmagic_msrresnet_trunk_net(scale):
    gen = build(MSR, upscale_factor=scale)
    sd = {}
    for key, value in gen.state_dict().items():
        key = re.sub(r"^body\.", "trunk_net.", key)
        sd[re.sub(r"^upconv(\d)\.", r"upsample\1.upsample_conv.", key)] = value
    assert any(k.startswith("trunk_net.") for k in sd)
    ckpt = {"state_dict": prefixed(sd, "generator."), "meta": {}}
    assert to_basicsr(ckpt).keys() == gen.state_dict().keys()
    assert infer_arch(to_basicsr(ckpt))["upscale_factor"] == scale
    assert_same_outputs(gen, ckpt)


def test_esrgan_new_layout():
    gen = build(RRDB)
    sd = esrgan_new(gen.state_dict())
    assert "RRDB_trunk.1.RDB3.conv5.weight" in sd and "HRconv.bias" in sd
    assert detect_layout(sd) == "esrgan_new"
    assert_same_outputs(gen, sd)


def test_esrgan_old_layout():
    gen = build(RRDB)
    sd = esrgan_old(gen.state_dict(), num_blocks=2)
    assert {"model.0.weight", "model.1.sub.2.weight", "model.10.bias"} <= set(sd)
    assert "model.1.sub.0.RDB1.conv1.0.weight" in sd
    assert detect_layout(sd) == "esrgan_old"
    assert_same_outputs(gen, sd)


def test_esrgan_old_layout_x2_is_refused_clearly():
    sd = esrgan_old(build(RRDB).state_dict(), num_blocks=2)
    sd = {k.replace("model.6.", "model.5."): v for k, v in sd.items()}
    with pytest.raises(ValueError, match="model.3/6/8/10"):
        load_generator(sd)


@pytest.mark.parametrize("scale,channels", [(2, 12), (1, 48)])
def test_real_esrgan_pixel_unshuffle(scale, channels):
    gen = build(RRDB, upscale_factor=scale)
    ckpt = {"params_ema": gen.state_dict()}
    assert ckpt["params_ema"]["conv_first.weight"].shape[1] == channels
    arch = infer_arch(to_basicsr(ckpt))
    assert arch["upscale_factor"] == scale and arch["in_channels"] == 3
    assert_same_outputs(gen, ckpt)


def test_bare_module_prefixed_and_safetensors(tmp_path):
    gen = build(RRDB)
    assert detect_layout(gen.state_dict()) == "bare"
    assert_same_outputs(gen, gen.state_dict())
    assert_same_outputs(gen, prefixed(gen.state_dict(), "module."))
    path = export_safetensors({"params": gen.state_dict()}, tmp_path / "g.safetensors")
    assert_same_outputs(gen, path)
    torch.save({"params_ema": gen.state_dict()}, tmp_path / "g.pth")
    assert_same_outputs(gen, str(tmp_path / "g.pth"))


def test_infer_arch_values():
    arch = infer_arch(build(RRDB, num_blocks=3, growth_channels=6).state_dict())
    assert arch == dict(
        type="RRDBNet",
        in_channels=3,
        out_channels=3,
        mid_channels=8,
        num_blocks=3,
        growth_channels=6,
        upscale_factor=4,
    )
    for scale in (2, 3, 4):
        arch = infer_arch(build(MSR, upscale_factor=scale).state_dict())
        assert arch["type"] == "MSRResNet" and arch["upscale_factor"] == scale
        arch = infer_arch(build(dict(MSR, type="SRResNet"), upscale_factor=scale).state_dict())
        assert arch["type"] == "SRResNet" and arch["upscale_factor"] == scale
        assert arch["num_blocks"] == 2 and arch["mid_channels"] == 8


def test_arch_override_and_metadata():
    gen = build(RRDB)
    with pytest.raises(ValueError, match="missing keys"):
        load_generator(gen.state_dict(), arch=dict(num_blocks=1))
    assert_same_outputs(gen, gen.state_dict(), arch=dict(type="RRDBNet", num_blocks=2))
    cfg = "model = dict(type='ESRGAN', generator=dict(type='RRDBNet', mid_channels=8))\n"
    ckpt = {"meta": {"cfg": cfg}, "state_dict": prefixed(gen.state_dict(), "generator.")}
    assert_same_outputs(gen, ckpt)


def test_unrecognised_checkpoint_names_keys():
    with pytest.raises(ValueError, match=r"top-level keys seen: \['epoch', 'optimizer'\]"):
        load_generator({"optimizer": {}, "epoch": 3})
    with pytest.raises(ValueError, match="match no registered generator"):
        load_generator({"conv_first.weight": torch.zeros(1), "conv_last.weight": torch.zeros(1)})


def test_arch_reference_fixtures_load(fixtures_dir):
    cases = torch.load(fixtures_dir / "arch_reference.pt", weights_only=True)
    for name in ("RRDBNet_x4", "MSRResNet_x4"):
        case = cases[name]
        arch = infer_arch(case["state_dict"])
        assert arch == dict(type=name.split("_")[0], **case["args"])
        model = load_generator({"params": case["state_dict"]})
        with torch.no_grad():
            torch.testing.assert_close(model(case["input"]), case["output"], atol=1e-5, rtol=0)


def test_interpolate_state_dicts():
    a, b = build(RRDB, seed=1).state_dict(), build(RRDB, seed=2).state_dict()
    mid = interpolate_state_dicts(a, b, 0.25)
    key = "conv_first.weight"
    torch.testing.assert_close(mid[key], 0.75 * a[key] + 0.25 * b[key])
    assert all(torch.equal(interpolate_state_dicts(a, b, 0.0)[k], a[k]) for k in a)
    with pytest.raises(ValueError, match="different keys"):
        interpolate_state_dicts(a, {**b, "extra": torch.zeros(1)}, 0.5)
    with pytest.raises(ValueError, match="shapes differ"):
        interpolate_state_dicts(a, {**b, key: torch.zeros(1)}, 0.5)


def test_to_basicsr_prefix_picks_plain_or_ema():
    plain, ema = build(RRDB, seed=1).state_dict(), build(RRDB, seed=2).state_dict()
    disc = {"conv0_0.weight": torch.ones(2)}
    sd = {**prefixed(plain, "generator."), **prefixed(ema, "generator_ema.")}
    ckpt = {"meta": {}, "state_dict": {**sd, **prefixed(disc, "discriminator.")}}
    same = lambda x, y: x.keys() == y.keys() and all(torch.equal(x[k], y[k]) for k in x)  # noqa: E731
    assert same(to_basicsr(ckpt, prefix="generator"), plain)
    assert same(to_basicsr(ckpt, prefix="generator_ema"), ema)
    assert same(to_basicsr(ckpt), ema)
    assert same(to_basicsr(ckpt, prefix="discriminator"), disc)
    no_ema = {"state_dict": prefixed(plain, "generator.")}
    assert same(to_basicsr(no_ema, prefix="generator_ema"), plain)  # falls back
    basicsr = {"params": plain, "params_ema": ema}
    assert same(to_basicsr(basicsr, prefix="generator"), plain)
    assert same(to_basicsr(basicsr, prefix="generator_ema"), ema)
    assert same(to_basicsr(esrgan_new(plain), prefix="generator_ema"), plain)
