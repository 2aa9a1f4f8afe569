"""1-channel generators (BasicSR ``RRDBNet(1, 1)``): grey in, grey out; a colour image's
luma through the model with bicubic chroma; other channel counts refused at load time."""

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import srzoo.models  # noqa: F401
from srzoo.apis.inference import Upscaler
from srzoo.cli import main
from srzoo.errors import UsageError
from srzoo.registry import BACKBONES


def grey_rrdbnet(in_channels=1, out_channels=1):
    torch.manual_seed(0)
    arch = dict(type="RRDBNet", mid_channels=8, num_blocks=1, growth_channels=4)
    return BACKBONES.build(dict(arch, in_channels=in_channels, out_channels=out_channels)).eval()


def direct(model, grey):
    """The model on a (H, W) uint8 image, rounded to uint8: what the output must be."""
    x = torch.from_numpy(grey.astype(np.float32) / 255)[None, None]
    with torch.no_grad():
        out = model(x)[0, 0].clamp(0, 1).numpy()
    return np.rint(out * 255).astype(np.uint8)


@pytest.fixture()
def grey_image():
    return np.random.default_rng(0).integers(0, 256, (20, 30), dtype=np.uint8)


def test_basicsr_grey_checkpoint_upscales_a_grey_file(tmp_path, grey_image, capsys):
    model = grey_rrdbnet()
    torch.save({"params_ema": model.state_dict()}, tmp_path / "grey.pth")
    cv2.imwrite(str(tmp_path / "gray.png"), grey_image)
    argv = ["upscale", str(tmp_path / "gray.png"), "-o", str(tmp_path / "sr.png")]
    assert main([*argv, "--model", str(tmp_path / "grey.pth")]) == 0
    out = cv2.imread(str(tmp_path / "sr.png"), cv2.IMREAD_UNCHANGED)
    assert out.shape == (80, 120)
    assert np.array_equal(out, direct(model, grey_image))
    assert "wrote 1 of 1" in capsys.readouterr().err


def test_colour_image_luma_through_the_model_chroma_bicubic(grey_image):
    model = grey_rrdbnet()
    up = Upscaler(model)
    assert up.channels == 1
    # a grey picture stored as RGB: chroma is neutral, so every channel is the grey result
    rgb = np.dstack([grey_image] * 3)
    out = up.upscale(rgb)
    assert out.shape == (80, 120, 3)
    assert np.abs(out.astype(int) - direct(model, grey_image)[..., None]).max() <= 1
    # a colour picture: the output's luma is the model's output on the input's luma
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    luma = rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    x = torch.from_numpy(luma / 255)[None, None]
    with torch.no_grad():
        want_y = model(x)[0, 0].clamp(0, 1).numpy() * 255
    out = up.upscale(rgb).astype(np.float32)
    got_y = out @ np.array([0.299, 0.587, 0.114], np.float32)
    inside = (out.min(axis=2) > 0) & (out.max(axis=2) < 255)  # not clipped
    assert np.abs(got_y - want_y)[inside].max() < 1.0
    cb = F.interpolate(
        torch.from_numpy((rgb[..., 2] - luma) / 1.772)[None, None].float(),
        scale_factor=4,
        mode="bicubic",
    )[0, 0].numpy()
    got_cb = (out[..., 2] - got_y) / 1.772
    assert np.abs(got_cb - cb)[inside].max() < 1.0


def test_grey_model_with_alpha_and_16_bit(grey_image):
    up = Upscaler(grey_rrdbnet())
    grey_alpha = np.dstack([grey_image, np.full_like(grey_image, 255)]).astype(np.uint16) * 257
    out = up.upscale(grey_alpha)
    assert out.shape == (80, 120, 2) and out.dtype == np.uint16
    assert (out[..., 1] == 65535).all()


@pytest.mark.parametrize("channels", [(1, 3), (3, 1), (4, 4)])
def test_other_channel_counts_are_refused_at_load_time(channels):
    with pytest.raises(UsageError, match=f"takes {channels[0]} and returns {channels[1]}"):
        Upscaler(grey_rrdbnet(*channels))


def test_plain_one_channel_module_is_probed():
    conv = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.PixelShuffle(2))
    up = Upscaler(conv)
    assert (up.scale, up.channels) == (2, 1)
    assert up.upscale(np.zeros((5, 7), np.uint8)).shape == (10, 14)
