"""Every (depth, channels) x output format: the file holds the image, or srzoo refuses.

An identity "model" (scale 1) makes the expected file exact: the input fitted to the
format. 8-bit-only formats get round(v / 257); alpha into a format without alpha is
refused unless it is fully opaque (then dropped); colour into PGM is refused.
"""

import cv2
import numpy as np
import pytest
import torch
from torch import nn

from srzoo.apis.inference import Upscaler
from srzoo.cli import main
from srzoo.errors import UsageError

# The expectations, written out independently of srzoo's table:
# extension -> (holds 16 bits, holds grey as 1 channel, holds colour, holds alpha, lossless)
EXPECTED = {
    ".png": (True, True, True, True, True),
    ".tif": (True, True, True, True, True),
    ".tiff": (True, True, True, True, True),
    ".jpg": (False, True, True, False, False),
    ".jpeg": (False, True, True, False, False),
    ".bmp": (False, True, True, True, True),
    ".webp": (False, False, True, True, True),
    ".ppm": (True, False, True, False, True),
    ".pgm": (True, True, False, False, True),
}
LAYOUTS = ("grey", "bgr", "bgra-opaque", "bgra")


def source(layout, dtype):
    """A 24x20 test image in OpenCV's order, uint8 or uint16 (full range)."""
    rng = np.random.default_rng(3)
    top = np.iinfo(dtype).max
    img = rng.integers(0, top + 1, (24, 20, 4), dtype=np.int64).astype(dtype)
    if layout == "grey":
        return img[:, :, 0]
    if layout == "bgr":
        return img[:, :, :3]
    if layout == "bgra-opaque":
        img[:, :, 3] = top
    return img


def expected(img, ext):
    """What the written file must decode to, or None where srzoo must refuse."""
    deep, grey, colour, alpha, _ = EXPECTED[ext]
    opaque = img.ndim == 3 and img.shape[2] == 4 and img[:, :, 3].min() == np.iinfo(img.dtype).max
    if img.ndim == 3 and img.shape[2] == 4 and not alpha and not opaque:
        return None
    if opaque and (not alpha or ext == ".webp"):  # WebP's encoder drops an opaque alpha
        img = img[:, :, :3]
    if img.ndim == 3 and not colour:
        return None
    if img.ndim == 2 and not grey:
        img = np.dstack([img] * 3)
    if img.dtype == np.uint16 and not deep:
        img = np.floor(img / 257 + 0.5).astype(np.uint8)
    return img


@pytest.mark.parametrize("ext", sorted(EXPECTED))
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_depth_and_channels_into_every_format(tmp_path, ext, dtype, layout):
    img = source(layout, dtype)
    src = tmp_path / "in.png"
    cv2.imwrite(str(src), img)
    dst = tmp_path / f"out{ext}"
    want = expected(img, ext)
    upscaler = Upscaler(nn.Identity())
    if want is None:
        with pytest.raises(UsageError, match="cannot hold"):
            upscaler.upscale_file(src, dst)
        assert not dst.exists()
        return
    upscaler.upscale_file(src, dst)
    got = cv2.imread(str(dst), cv2.IMREAD_UNCHANGED)
    assert got.dtype == want.dtype and got.shape == want.shape
    if EXPECTED[ext][4]:
        assert np.array_equal(got, want)
    else:  # JPEG: lossy, but on the right scale
        assert abs(got.astype(float).mean() - want.astype(float).mean()) < 1.0


def ramp16(path):
    """The issue's image: a 64x64 16-bit ramp 0..65520, three equal channels."""
    ramp = (np.arange(64 * 64).reshape(64, 64) * 16).astype(np.uint16)
    cv2.imwrite(str(path), np.dstack([ramp] * 3))
    return ramp


def test_16bit_ramp_to_jpeg_keeps_its_mean(tmp_path, monkeypatch, capsys):
    ramp = ramp16(tmp_path / "ramp16.png")
    nearest = nn.Upsample(scale_factor=4, mode="nearest")
    monkeypatch.setattr(Upscaler, "from_checkpoint", lambda *a, **k: Upscaler(nearest))
    argv = ["upscale", str(tmp_path / "ramp16.png"), "-o", str(tmp_path / "out.jpg")]
    assert main([*argv, "--model", "unused.pth"]) == 0
    out = cv2.imread(str(tmp_path / "out.jpg"), cv2.IMREAD_UNCHANGED)
    assert out.dtype == np.uint8 and out.shape == (256, 256, 3)
    mean = float(np.floor(ramp / 257 + 0.5).mean())  # 127.47
    assert abs(out.mean() - mean) < 0.5  # was 254.5: clipped to 255
    assert "wrote 1 of 1" in capsys.readouterr().err


def test_16bit_to_bmp_is_round_v_over_257_exactly(tmp_path):
    ramp = ramp16(tmp_path / "ramp16.png")
    Upscaler(nn.Upsample(scale_factor=2, mode="nearest")).upscale_file(
        tmp_path / "ramp16.png", tmp_path / "out.bmp"
    )
    out = cv2.imread(str(tmp_path / "out.bmp"), cv2.IMREAD_UNCHANGED)
    want = np.floor(ramp / 257 + 0.5).astype(np.uint8).repeat(2, 0).repeat(2, 1)
    assert np.array_equal(out, np.dstack([want] * 3))


def test_transparency_into_jpeg_fails_that_image_only(tmp_path, monkeypatch, capsys):
    rgba = source("bgra", np.uint8)
    folder = tmp_path / "in"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.png"), rgba)
    cv2.imwrite(str(folder / "b.png"), rgba[:, :, :3])
    monkeypatch.setattr(Upscaler, "from_checkpoint", lambda *a, **k: Upscaler(nn.Identity()))
    argv = ["upscale", str(folder), "-o", str(tmp_path / "out"), "--ext", "jpg"]
    assert main([*argv, "--model", "unused.pth"]) == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["b.jpg"]
    err = capsys.readouterr().err
    assert "a.png" in err and "JPEG cannot hold" in err and "wrote 1 of 2" in err


def test_unknown_output_format_is_refused_before_loading(tmp_path, capsys):
    cv2.imwrite(str(tmp_path / "a.png"), source("bgr", np.uint8))
    argv = ["upscale", str(tmp_path / "a.png"), "-o", str(tmp_path / "o"), "--ext", "gif"]
    assert main([*argv, "--model", "missing.pth"]) == 1
    assert "--ext gif" in capsys.readouterr().err
    with pytest.raises(UsageError, match="cannot write '.gif'"):
        Upscaler(nn.Identity()).upscale_file(tmp_path / "a.png", tmp_path / "a.gif")


def test_probe_finds_scale_and_channels_of_a_plain_module():
    up = Upscaler(nn.Upsample(scale_factor=3))
    assert (up.scale, up.align, up.channels) == (3, 1, 3)
    assert torch.get_default_dtype() == torch.float32
