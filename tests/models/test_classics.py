"""EDSR, RCAN and SwinIR: BasicSR's outputs, key layouts, presets, detection, errors, masks."""

import re
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import srzoo.models  # noqa: F401  (registers every built-in class)
from srzoo.apis.convert import contract_backbones, infer_arch
from srzoo.arch import PaddedGenerator
from srzoo.errors import WeightsError
from srzoo.models.backbones import EDSR, RCAN, SwinIR
from srzoo.models.backbones.edsr import DIV2K_RGB_MEAN, EDSR_PRESETS
from srzoo.models.backbones.swin_blocks import DropPath, shift_mask, window_partition
from srzoo.registry import BACKBONES

CASES = {"EDSR-x4": "EDSR", "RCAN-x2": "RCAN", "SwinIR-x4-classical": "SwinIR"}
TINY_SWIN = dict(embed_dim=8, depths=(2, 1), num_heads=2, window_size=4, mid_channels=8)
DOC = Path(__file__).resolve().parents[2] / "docs" / "add_a_model.md"


@pytest.fixture(scope="module")
def reference(fixtures_dir):
    return torch.load(fixtures_dir / "arch_reference_more.pt", weights_only=True)


def _params(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def _on_meta(cfg: dict) -> torch.nn.Module:
    with torch.device("meta"):
        return BACKBONES.build(cfg)


@pytest.mark.parametrize(("case", "name"), CASES.items())
def test_basicsr_reference_loads_strict_and_matches(reference, case, name):
    ref = reference[case]
    net = BACKBONES.build(dict(type=name, **ref["args"])).eval()
    net.load_state_dict(ref["state_dict"], strict=True)
    with torch.no_grad():
        out = net(ref["input"])
    assert out.shape == ref["output"].shape
    assert (out - ref["output"]).abs().max() < 1e-5


@pytest.mark.parametrize(("case", "name"), CASES.items())
def test_detect_rebuilds_the_reference_shapes(reference, case, name):
    ref = reference[case]
    arch = infer_arch(ref["state_dict"])
    assert arch["type"] == name
    assert arch["upscale_factor"] == ref["args"]["upscale_factor"]
    rebuilt = BACKBONES.build(arch).state_dict()
    assert {k: v.shape for k, v in rebuilt.items()} == {
        k: v.shape for k, v in ref["state_dict"].items()
    }


def test_edsr_presets_match_the_paper_sizes():
    baseline, paper = (
        _on_meta(dict(type="EDSR")),
        _on_meta(dict(type="EDSR", **EDSR_PRESETS["paper"])),
    )
    assert _params(baseline) == 1_517_571  # "EDSR baseline 1.5M" (Lim et al., Table 1)
    assert _params(paper) == 43_089_923  # "EDSR 43M"
    assert paper.arch_args["res_scale"] == 0.1 and baseline.arch_args["res_scale"] == 1.0
    with torch.device("meta"):
        assert EDSR.preset("paper", upscale_factor=2).arch_args == dict(
            paper.arch_args, upscale_factor=2
        )
    with pytest.raises(ValueError, match="presets are"):
        EDSR.preset("large")
    assert EDSR.detect(paper.state_dict())["res_scale"] == 0.1
    assert EDSR.detect(baseline.state_dict())["res_scale"] == 1.0


def test_swinir_masks_are_sized_for_img_size():
    swinir = _on_meta(dict(type="SwinIR", img_size=48))
    mask = swinir.state_dict()["layers.0.residual_group.blocks.1.attn_mask"]
    assert mask.shape == (36, 64, 64)  # (48 / 8)^2 windows of 8 x 8 tokens
    assert "layers.0.residual_group.blocks.0.attn_mask" not in swinir.state_dict()


def test_mean_shift_and_range_by_hand():
    """All-zero weights but conv_last's bias b: output = b / img_range + DIV2K mean."""
    net = EDSR(mid_channels=4, num_blocks=1).eval()
    with torch.no_grad():
        for p in net.parameters():
            p.zero_()
        net.conv_last.bias.copy_(torch.tensor([25.5, -51.0, 0.0]))
        out = net(torch.rand(1, 3, 3, 5))
    expected = torch.tensor([0.1, -0.2, 0.0]) + torch.tensor(DIV2K_RGB_MEAN)
    assert torch.allclose(out, expected.view(1, 3, 1, 1).expand_as(out), atol=1e-6)


def test_edsr_res_scale_scales_the_residual():
    torch.manual_seed(0)
    net = EDSR(mid_channels=4, num_blocks=1).eval()
    block = net.body[0]
    x = torch.rand(1, 4, 5, 5)
    with torch.no_grad():
        full = block(x) - x
        block.res_scale = 0.1
        assert torch.allclose(block(x) - x, 0.1 * full, atol=1e-6)


@pytest.mark.parametrize(
    ("name", "scales", "upsample_convs"),
    [("EDSR", (2, 3, 4), {2: 1, 3: 1, 4: 2}), ("RCAN", (2, 3, 4, 8), {2: 1, 3: 1, 4: 2, 8: 3})],
)
def test_every_scale_shape_and_upsampler_keys(name, scales, upsample_convs):
    for scale in scales:
        net = BACKBONES.build(dict(type=name, mid_channels=4, num_blocks=1, upscale_factor=scale))
        convs = {k for k in net.state_dict() if k.startswith("upsample.") and k.endswith("weight")}
        assert len(convs) == upsample_convs[scale]
        with torch.no_grad():
            assert net.eval()(torch.rand(1, 3, 5, 7)).shape == (1, 3, 5 * scale, 7 * scale)


def test_rcan_keys_are_basicsr_and_squeeze_has_a_floor():
    net = RCAN(mid_channels=8, num_groups=2, num_blocks=3, squeeze_factor=16)
    keys = set(net.state_dict())
    assert "body.1.residual_group.2.rcab.3.attention.3.weight" in keys
    assert {"body.1.conv.weight", "conv_after_body.weight", "conv_last.bias"} <= keys
    assert net.state_dict()["body.0.residual_group.0.rcab.3.attention.1.weight"].shape[0] == 1
    assert RCAN.detect(net.state_dict())["squeeze_factor"] == 8  # rebuilds 8 // 8 = 1


@pytest.mark.parametrize(
    ("cfg", "message"),
    [
        (dict(type="EDSR", upscale_factor=8), r"EDSR supports upscale_factor in \(2, 3, 4\)"),
        (dict(type="EDSR", out_channels=1), "in_channels 3 != out_channels 1"),
        (dict(type="EDSR", rgb_mean=(0.5,)), "rgb_mean needs 3 entries"),
        (dict(type="RCAN", upscale_factor=1), "RCAN supports upscale_factor"),
        (dict(type="RCAN", squeeze_factor=0), "squeeze_factor must be a positive int"),
        (dict(type="SwinIR", embed_dim=10, num_heads=4), "must divide embed_dim 10"),
        (dict(type="SwinIR", depths=(2, 2), num_heads=(2,)), "must match depths"),
        (dict(type="SwinIR", upsampler="nearest+conv"), "upsampler must be one of"),
        (dict(type="SwinIR", window_size=0), "window_size must be a positive int"),
    ],
)
def test_bad_arguments_raise_at_build(cfg, message):
    with pytest.raises(ValueError, match=message):
        BACKBONES.build(cfg)


def test_detect_recognises_only_its_own_weights():
    nets = {
        "EDSR": EDSR(mid_channels=4, num_blocks=2),
        "RCAN": RCAN(mid_channels=4, num_groups=1, num_blocks=1),
        "SwinIR": SwinIR(**TINY_SWIN),
        "MSRResNet": BACKBONES.build(dict(type="MSRResNet", mid_channels=4, num_blocks=1)),
    }
    for name, net in nets.items():
        found = [n for n, cls in contract_backbones() if cls.detect(net.state_dict())]
        assert found == [name]


def test_swinir_pads_any_size_and_declares_its_window():
    torch.manual_seed(0)
    net = SwinIR(**TINY_SWIN, upscale_factor=2).eval()
    assert net.input_multiple(2) == 4 and SwinIR.input_multiple(2) == 8
    x = torch.rand(1, 3, 9, 6)
    with torch.no_grad():
        out = net(x)
        padded = F.pad(x, (0, 2, 0, 3), mode="reflect")
        assert torch.equal(out, net._body(padded)[..., :18, :12])
        assert torch.equal(PaddedGenerator(net)(x), out)


def test_swinir_window_clamps_to_a_small_img_size():
    net = SwinIR(embed_dim=8, depths=(2,), num_heads=2, window_size=8, img_size=4)
    assert net.input_multiple(4) == 4
    assert not any(k.endswith("attn_mask") for k in net.state_dict())
    assert net.state_dict()[
        "layers.0.residual_group.blocks.0.attn.relative_position_bias_table"
    ].shape == (49, 2)
    args = SwinIR.detect(net.state_dict())
    assert (args["window_size"], args["img_size"]) == (4, 4)


def test_swinir_lightweight_upsampler_and_detect():
    net = SwinIR(**TINY_SWIN, upsampler="pixelshuffledirect", upscale_factor=3)
    assert not any(k.startswith(("conv_before_upsample", "conv_last")) for k in net.state_dict())
    assert net.state_dict()["upsample.0.weight"].shape[0] == 27
    args = SwinIR.detect(net.state_dict())
    assert args["upsampler"] == "pixelshuffledirect" and args["upscale_factor"] == 3
    assert args["depths"] == [2, 1] and args["num_heads"] == [2, 2] and args["mlp_ratio"] == 2.0


def test_swinir_detect_refuses_variants_it_cannot_build():
    state = SwinIR(**TINY_SWIN).state_dict()
    state["conv_up1.weight"] = torch.zeros(1)
    with pytest.raises(WeightsError, match="nearest\\+conv"):
        SwinIR.detect(state)


def _basicsr_mask(h: int, w: int, window: int, shift: int) -> torch.Tensor:
    """The mask as BasicSR builds it: label regions by slice assignment."""
    img = torch.zeros(1, h, w, 1)
    spans = (slice(0, -window), slice(-window, -shift), slice(-shift, None))
    for i, hs in enumerate(spans):
        for j, ws in enumerate(spans):
            img[:, hs, ws, :] = i * 3 + j
    windows = window_partition(img, window).squeeze(-1)
    diff = windows.unsqueeze(1) - windows.unsqueeze(2)
    return diff.masked_fill(diff != 0, -100.0).masked_fill(diff == 0, 0.0)


@pytest.mark.parametrize(("h", "w", "window"), [(8, 12, 4), (16, 8, 8), (12, 12, 6)])
def test_shift_mask_equals_basicsr(h, w, window):
    like = torch.zeros(())
    assert torch.equal(
        shift_mask(h, w, window, window // 2, like), _basicsr_mask(h, w, window, window // 2)
    )


def test_drop_path_is_identity_in_eval_and_drops_whole_samples_in_training():
    drop = DropPath(0.5)
    x = torch.ones(64, 3, 2)
    assert torch.equal(drop.eval()(x), x)
    torch.manual_seed(0)
    out = drop.train()(x)
    per_sample = out.flatten(1)
    assert set(per_sample.unique().tolist()) == {0.0, 2.0}
    assert all(len(row.unique()) == 1 for row in per_sample)


def test_add_a_model_doc_quotes_edsr_as_it_is():
    """The worked example in docs/add_a_model.md is copied from the code, line for line."""
    source = Path(EDSR.__module__.replace(".", "/") + ".py")
    code = (Path(__file__).resolve().parents[2] / source).read_text()
    blocks = re.findall(
        r"```python\n# srzoo/models/backbones/edsr\.py.*?\n(.*?)```", DOC.read_text(), re.S
    )
    assert blocks, "the doc has no EDSR excerpt"
    for block in blocks:
        for line in block.splitlines():
            if line.strip() and line.strip() != "...":
                assert line in code, f"docs/add_a_model.md quotes a line not in edsr.py: {line!r}"


FIGURES = [  # (configs/<folder>/README.md, generator, parameters, FLOPs at a 320x180 LR input)
    ("edsr", dict(type="EDSR"), "1.52M", "228.5 G"),
    ("edsr", dict(type="EDSR", **EDSR_PRESETS["paper"]), "43.09M", "5789.1 G"),
    ("rcan", dict(type="RCAN"), "15.59M", "1833.7 G"),
    ("swinir", dict(type="SwinIR"), "11.90M", "1539.7 G"),
    ("swinir", dict(type="SwinIR", embed_dim=60, depths=(6,) * 4, upsampler="pixelshuffledirect"),
     "0.93M", "125.4 G"),
]  # fmt: skip


@pytest.mark.parametrize(("folder", "cfg", "params", "flops"), FIGURES)
def test_readme_parameters_and_flops_are_counted(folder, cfg, params, flops):
    from torch.utils.flop_counter import FlopCounterMode

    net = _on_meta(cfg).eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        out = net(torch.empty(1, 3, 180, 320, device="meta"))
    assert out.shape == (1, 3, 720, 1280)
    assert f"{_params(net) / 1e6:.2f}M" == params
    assert f"{counter.get_total_flops() / 1e9:.1f} G" == flops
    readme = (DOC.parents[1] / "configs" / folder / "README.md").read_text()
    assert f"| {params} | {flops} |" in readme
