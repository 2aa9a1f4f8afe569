"""Tile overlap is counted in the network body's pixels, so pixel-unshuffle models (x2, x1)
get the same context as x4 ones: tiled output within 1/255 of untiled at the default and
the documented minimum overlap."""

import numpy as np
import pytest
import torch

import srzoo.models  # noqa: F401
from srzoo.apis.inference import Upscaler
from srzoo.apis.tiling import MIN_OVERLAP, tiled_forward
from srzoo.registry import BACKBONES


def deep_rrdbnet(scale):
    """8 RRDBs: a body receptive field wider than 4 pixels matters at 8-bit precision."""
    torch.manual_seed(0)
    arch = dict(type="RRDBNet", mid_channels=8, num_blocks=8, growth_channels=4)
    model = BACKBONES.build(dict(arch, upscale_factor=scale))
    with torch.no_grad():  # outputs spanning ~[-1, 1], so 1/255 is a real bound
        model.conv_last.weight.mul_(10)
    return model.eval()


def image(size=128):
    gen = torch.Generator().manual_seed(1)
    return torch.randint(0, 256, (1, 3, size, size), generator=gen).float() / 255


@pytest.mark.parametrize("scale", [4, 2, 1])
@pytest.mark.parametrize("overlap", [32, MIN_OVERLAP])
def test_tiled_within_one_level_at_default_and_minimum(scale, overlap):
    model, x = deep_rrdbnet(scale), image({4: 64, 2: 96, 1: 128}[scale])
    align = model.input_multiple(scale)
    full = tiled_forward(model, x, scale=scale)
    tiled = tiled_forward(model, x, scale=scale, tile=32, overlap=overlap, align=align)
    assert (tiled - full).abs().max() <= 1 / 255


def test_overlap_in_lr_pixels_shows_seams_on_x1():
    """What 16 LR pixels of context used to give an x1 model (4 body pixels): seams."""
    model, x = deep_rrdbnet(1), image()
    full = tiled_forward(model, x, scale=1)
    lr_16 = tiled_forward(model, x, scale=1, tile=32, overlap=MIN_OVERLAP // 4, align=4)
    assert (lr_16 - full).abs().max() > 2 / 255


def test_upscaler_scales_the_overlap_by_the_input_multiple():
    model = deep_rrdbnet(1)
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (128, 128, 3), dtype=np.uint8)
    whole = Upscaler(model).upscale(img)
    tiled = Upscaler(model, tile=32, tile_overlap=MIN_OVERLAP).upscale(img)
    assert np.abs(tiled.astype(int) - whole.astype(int)).max() <= 1


def test_overlap_below_the_minimum_warns():
    with pytest.warns(UserWarning, match="seams"):
        Upscaler(deep_rrdbnet(4), tile=32, tile_overlap=MIN_OVERLAP - 1)


def test_window_models_get_overlap_in_lr_pixels_not_times_the_window():
    """SwinIR's input multiple is its window (8), but its body runs at LR resolution
    (body_stride 1): 16 px of overlap stay 16 px, aligned to the window, not 128."""
    swinir = BACKBONES.build(
        dict(type="SwinIR", embed_dim=8, depths=(1,), num_heads=1, window_size=8,
             img_size=16, upscale_factor=2)
    )  # fmt: skip
    assert swinir.input_multiple(2) == 8 and swinir.body_stride(2) == 1
    rrdb = deep_rrdbnet(1)
    assert rrdb.body_stride(1) == rrdb.input_multiple(1) == 4
    seen = []
    swinir.register_forward_pre_hook(lambda module, args: seen.append(args[0].shape[-1]))
    rgb = (image(64)[0].permute(1, 2, 0).numpy() * 255).astype(np.uint8)
    Upscaler(swinir, tile=16, tile_overlap=16).upscale(rgb)
    assert max(seen) <= 16 + 2 * 16  # a window of core + 2 x 16 px, padded to 8
