"""EDSR, RCAN and SwinIR outside training: official layouts, ``srzoo upscale``, ONNX."""

import re

import cv2
import numpy as np
import pytest
import torch

import srzoo.models  # noqa: F401
from srzoo.apis import detect_layout, export_onnx, load_generator
from srzoo.cli import main
from srzoo.models.backbones.edsr import DIV2K_RGB_MEAN
from srzoo.registry import BACKBONES

# A SwinIR with the official classical window (8), tiny otherwise; img_size as "s32".
SWIN = dict(type="SwinIR", embed_dim=16, depths=(2, 2), num_heads=2, window_size=8,
            img_size=32, mid_channels=16)  # fmt: skip


def build(cfg, seed=0):
    torch.manual_seed(seed)
    return BACKBONES.build(cfg).eval()


def mean_shift_layers():
    """EDSR-PyTorch's ``MeanShift`` convs as built for rgb_range 255 and the DIV2K mean."""
    eye, mean = torch.eye(3).view(3, 3, 1, 1), torch.tensor(DIV2K_RGB_MEAN) * 255
    return {"sub_mean.weight": eye, "sub_mean.bias": -mean, "add_mean.weight": eye.clone(),
            "add_mean.bias": mean.clone()}  # fmt: skip


def edsr_official(sd, num_blocks):
    """The keys of thstkdgus35/EDSR-PyTorch's ``EDSR`` (model/edsr.py, common.py)."""
    rules = [
        (r"^conv_first\.", "head.0."),
        (r"^body\.(\d+)\.conv1\.", r"body.\1.body.0."),
        (r"^body\.(\d+)\.conv2\.", r"body.\1.body.2."),
        (r"^conv_after_body\.", f"body.{num_blocks}."),
        (r"^upsample\.", "tail.0."),
        (r"^conv_last\.", "tail.1."),
    ]
    return {**mean_shift_layers(), **renamed(sd, rules)}


def rcan_official(sd, num_groups, num_blocks):
    """The keys of yulunzhang/RCAN's ``RCAN`` (RCAN_TestCode/code/model/rcan.py)."""
    group = r"^body\.(\d+)\.residual_group\.(\d+)\.rcab\."
    rules = [
        (r"^conv_first\.", "head.0."),
        (group + r"3\.attention\.1\.", r"body.\1.body.\2.body.3.conv_du.0."),
        (group + r"3\.attention\.3\.", r"body.\1.body.\2.body.3.conv_du.2."),
        (group + r"([02])\.", r"body.\1.body.\2.body.\3."),
        (r"^body\.(\d+)\.conv\.", rf"body.\1.body.{num_blocks}."),
        (r"^conv_after_body\.", f"body.{num_groups}."),
        (r"^upsample\.", "tail.0."),
        (r"^conv_last\.", "tail.1."),
    ]
    return {**mean_shift_layers(), **renamed(sd, rules)}


def renamed(sd, rules):
    out = {}
    for key, value in sd.items():
        for pattern, repl in rules:
            key = re.sub(pattern, repl, key)
        out[key] = value
    return out


def assert_loads_identically(model, source, x):
    loaded = load_generator(source)
    assert type(loaded) is type(model)
    assert loaded.scale == model.scale
    assert all(torch.equal(loaded.state_dict()[k], v) for k, v in model.state_dict().items())
    with torch.no_grad():
        assert torch.equal(loaded(x), model(x))


def test_edsr_official_key_names():
    sd = edsr_official(build(dict(type="EDSR", mid_channels=4, num_blocks=1)).state_dict(), 1)
    names = {k.rsplit(".", 1)[0] for k in sd}
    assert names == {"sub_mean", "add_mean", "head.0", "body.0.body.0", "body.0.body.2",
                     "body.1", "tail.0.0", "tail.0.2", "tail.1"}  # fmt: skip


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_edsr_official_layout_loads_identically(scale, tmp_path):
    model = build(dict(type="EDSR", mid_channels=8, num_blocks=3, upscale_factor=scale))
    official = edsr_official(model.state_dict(), 3)
    assert detect_layout(official) == "edsr_official"
    torch.save(official, tmp_path / "edsr_x.pt")  # the release is a bare state dict
    assert_loads_identically(model, tmp_path / "edsr_x.pt", torch.rand(1, 3, 7, 9))
    assert load_generator(official).arch_config == model.arch_config


def test_edsr_paper_res_scale_from_arch_override():
    model = build(dict(type="EDSR", mid_channels=8, num_blocks=2, res_scale=0.1))
    official = edsr_official(model.state_dict(), 2)
    loaded = load_generator(official, arch=dict(type="EDSR", res_scale=0.1))
    x = torch.rand(1, 3, 6, 5)
    with torch.no_grad():
        assert torch.equal(loaded(x), model(x))
        assert not torch.equal(load_generator(official)(x), model(x))  # res_scale 1 inferred


def test_rcan_official_key_names():
    sd = build(dict(type="RCAN", mid_channels=4, num_groups=1, num_blocks=1, upscale_factor=2))
    names = {k.rsplit(".", 1)[0] for k in rcan_official(sd.state_dict(), 1, 1)}
    assert names == {"sub_mean", "add_mean", "head.0", "body.0.body.0.body.0",
                     "body.0.body.0.body.2", "body.0.body.0.body.3.conv_du.0",
                     "body.0.body.0.body.3.conv_du.2", "body.0.body.1", "body.1", "tail.0.0",
                     "tail.1"}  # fmt: skip


@pytest.mark.parametrize("scale", [2, 3, 4, 8])
def test_rcan_official_layout_loads_identically(scale):
    cfg = dict(type="RCAN", mid_channels=8, num_groups=2, num_blocks=3, squeeze_factor=4)
    model = build(dict(cfg, upscale_factor=scale))
    official = rcan_official(model.state_dict(), 2, 3)
    assert detect_layout(official) == "rcan_official"
    assert_loads_identically(model, official, torch.rand(1, 3, 6, 7))
    assert load_generator(official).arch_config == model.arch_config


def test_trained_mean_shift_is_dropped_with_a_warning():
    model = build(dict(type="RCAN", mid_channels=8, num_groups=1, num_blocks=1, squeeze_factor=4))
    official = rcan_official(model.state_dict(), 1, 1)
    official["sub_mean.bias"] = official["sub_mean.bias"] + 2.0
    with pytest.warns(UserWarning, match="differ from the DIV2K mean shift by up to 0.00784"):
        loaded = load_generator(official)
    assert loaded.arch_config == model.arch_config


@pytest.mark.parametrize("upsampler", ["pixelshuffle", "pixelshuffledirect"])
def test_swinir_official_release_container(upsampler, tmp_path):
    """The official checkpoints are ``{"params": ...}`` (``params_ema`` for some) in
    BasicSR's keys, attn_mask buffers included: they load as they are, EMA first."""
    model = build(dict(SWIN, img_size=48, upsampler=upsampler, upscale_factor=2), seed=1)
    other = build(dict(SWIN, img_size=48, upsampler=upsampler, upscale_factor=2), seed=2)
    x = torch.rand(1, 3, 10, 13)
    torch.save({"params": model.state_dict()}, tmp_path / "swinir.pth")
    assert_loads_identically(model, tmp_path / "swinir.pth", x)
    args = load_generator(tmp_path / "swinir.pth").arch_args
    assert (args["img_size"], args["window_size"], args["upsampler"]) == (48, 8, upsampler)
    both = {"params": other.state_dict(), "params_ema": model.state_dict()}
    assert detect_layout(both) == "basicsr"
    assert_loads_identically(model, both, x)


@pytest.fixture(scope="module")
def swinir_ckpt(tmp_path_factory):
    path = tmp_path_factory.mktemp("swinir") / "swinir_x4.pth"
    torch.save({"params": build(SWIN).state_dict()}, path)
    return path


@pytest.mark.filterwarnings("ignore:tile_overlap 0")
def test_upscale_swinir_any_size_tiled_within_one_level(tmp_path, swinir_ckpt):
    rng = np.random.default_rng(0)
    small = rng.integers(0, 256, (9, 14, 3)).astype(np.uint8)
    image = cv2.resize(small, (70, 45), interpolation=cv2.INTER_CUBIC)  # 45 x 70: not x8
    cv2.imwrite(str(tmp_path / "in.png"), image)
    outputs = {}
    for name, tiles in [("whole", []), ("tiled", ["--tile", "24", "--tile-overlap", "16"]),
                        ("seams", ["--tile", "24", "--tile-overlap", "0"])]:  # fmt: skip
        argv = ["upscale", str(tmp_path / "in.png"), "-o", str(tmp_path / f"{name}.png")]
        assert main([*argv, "--model", str(swinir_ckpt), "--quiet", *tiles]) == 0
        outputs[name] = cv2.imread(str(tmp_path / f"{name}.png")).astype(int)
    assert outputs["whole"].shape == (180, 280, 3)
    assert np.abs(outputs["tiled"] - outputs["whole"]).max() <= 1  # within 1/255
    assert np.abs(outputs["seams"] - outputs["whole"]).max() > 4  # the check can fail
    x = torch.from_numpy(image[..., ::-1].transpose(2, 0, 1).copy()).float()[None] / 255
    with torch.no_grad():
        direct = build(SWIN)(x)[0].clamp(0, 1).permute(1, 2, 0).numpy()[..., ::-1] * 255
    assert np.abs(outputs["whole"] - direct).max() <= 0.51  # the PNG is the network's output


def test_onnx_export_dynamic_size_checked_in_onnxruntime(tmp_path, swinir_ckpt):
    ort = pytest.importorskip("onnxruntime")
    out = export_onnx(swinir_ckpt, tmp_path / "swinir.onnx", sizes=((16, 24), (11, 13)))
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    model = build(SWIN)
    for h, w in [(9, 15), (21, 13)]:
        x = torch.rand(1, 3, h, w)
        got = session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]
        with torch.no_grad():
            expected = model(x).numpy()
        assert got.shape == (1, 3, 4 * h, 4 * w)
        assert np.abs(got - expected).max() < 1e-4
