"""The default tile of ``Upscaler`` / ``srzoo upscale``: 512 body pixels, so a 4 MP output
of a x4 model runs in one pass and larger images run in windows bounded by the tile."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

import srzoo.models  # noqa: F401
from srzoo.apis import Upscaler
from srzoo.apis.tiling import DEFAULT_GPU_TILE, DEFAULT_TILE, default_tile
from srzoo.cli.parsers import build_parser
from srzoo.registry import BACKBONES


def rrdbnet(scale):
    torch.manual_seed(0)
    arch = dict(type="RRDBNet", mid_channels=4, num_blocks=1, growth_channels=2)
    return BACKBONES.build(dict(arch, upscale_factor=scale)).eval()


def window_sides(model):
    """The spatial sides of every input the model's body sees, appended as it runs."""
    seen = []
    model.conv_first.register_forward_pre_hook(lambda m, args: seen.append(args[0].shape[-2:]))
    return seen


def test_default_tile_is_512_body_pixels():
    assert DEFAULT_TILE == 512
    assert default_tile() == 512  # x4 RRDBNet, SRResNet, EDSR: the body runs at LR size
    assert default_tile(2, 2) == 1024  # pixel-unshuffle x2: body at half the LR size
    assert default_tile(4, 4) == 2048  # pixel-unshuffle x1
    assert default_tile(1, 24) == 504  # a window model: rounded down to its window


def test_gpu_default_tile_is_1024_body_pixels():
    assert DEFAULT_GPU_TILE == 1024
    assert default_tile(device="cuda") == default_tile(device=torch.device("cuda:1")) == 1024
    assert default_tile(2, 2, "cuda") == 2048
    assert default_tile(1, 24, "mps") == 1008
    assert default_tile(device=torch.device("cpu")) == 512


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_upscaler_on_a_gpu_takes_the_gpu_default():
    assert Upscaler(rrdbnet(4), device="cuda").tile == 1024


@pytest.mark.parametrize(("scale", "tile"), [(4, 512), (2, 1024), (1, 2048)])
def test_upscaler_resolves_the_default_from_the_contract(scale, tile):
    model = rrdbnet(scale)
    assert Upscaler(model).tile == tile
    assert Upscaler(model, tile=0).tile == 0 and Upscaler(model, tile=96).tile == 96


def test_cli_leaves_the_tile_to_the_upscaler():
    args = build_parser().parse_args(["upscale", "in.png", "-o", "out", "--model", "m.pth"])
    assert args.tile is None and args.tile_overlap == 32
    args = build_parser().parse_args(["upscale", "a", "-o", "b", "--model", "m", "--tile", "0"])
    assert args.tile == 0


def test_four_megapixel_output_runs_in_one_pass():
    model = rrdbnet(4)
    seen = window_sides(model)
    img = np.random.default_rng(0).integers(0, 256, (512, 512, 3), dtype=np.uint8)
    assert Upscaler(model).upscale(img).shape == (2048, 2048, 3)
    assert [tuple(s) for s in seen] == [(512, 512)]


def test_larger_images_run_in_windows_bounded_by_the_default_tile():
    model = rrdbnet(4)
    seen = window_sides(model)
    img = np.random.default_rng(0).integers(0, 256, (40, 600, 3), dtype=np.uint8)
    out = Upscaler(model).upscale(img)
    assert out.shape == (160, 2400, 3)
    assert [tuple(s) for s in seen] == [(40, 512 + 32), (40, 600 - 512 + 32)]
    whole = Upscaler(model, tile=0).upscale(img)
    assert np.abs(out.astype(int) - whole.astype(int)).max() <= 1


def test_a_tile_much_smaller_than_its_context_warns():
    model = rrdbnet(4)
    with pytest.warns(UserWarning, match=r"tile 7 with 32 pixels of context: .* 103x"):
        Upscaler(model, tile=7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Upscaler(model, tile=64)  # (128 / 64)^2 = 4x: no warning
        Upscaler(model, tile=0)


def test_cli_prints_srzoo_warnings_on_one_line(tmp_path):
    import cv2

    torch.save({"params_ema": rrdbnet(4).state_dict()}, tmp_path / "m.pth")
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((8, 8, 3), np.uint8))
    cmd = [sys.executable, "-m", "srzoo.cli", "upscale", str(tmp_path / "a.png"), "-o",
           str(tmp_path / "o"), "--model", str(tmp_path / "m.pth"), "--tile", "7",
           "--quiet"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith("srzoo: warning: tile 7 with 32 pixels of context")
    assert lines[1:] == [f"wrote 1 of 1 image(s) to {tmp_path / 'o'}"]
