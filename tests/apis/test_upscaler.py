"""Upscaler: dtype, channel and layout round trips; files; construction from checkpoints."""

import cv2
import numpy as np
import pytest
import torch
from torch import nn

import srzoo.models  # noqa: F401
from srzoo.apis import Upscaler
from srzoo.datasets import ImageReadError
from srzoo.registry import BACKBONES

ARCH = dict(type="RRDBNet", mid_channels=8, num_blocks=1, growth_channels=4)


def generator(scale=4):
    torch.manual_seed(0)
    model = BACKBONES.build(dict(ARCH, upscale_factor=scale))
    with torch.no_grad():
        model.conv_last.bias.fill_(0.5)  # mid-grey outputs, so clipping rarely hides errors
    return model.eval()


class NearestX4(nn.Module):
    """A stand-in generator: nearest-neighbour x4 upsampling."""

    upscale_factor = 4

    def forward(self, x):
        return torch.nn.functional.interpolate(x, scale_factor=4, mode="nearest")


def rand_img(shape, dtype=np.uint8, seed=0):
    high = np.iinfo(dtype).max
    return np.random.default_rng(seed).integers(0, high + 1, shape).astype(dtype)


@pytest.fixture(scope="module")
def up():
    return Upscaler(generator())


def test_rgb_matches_model(up):
    img = rand_img((9, 11, 3))
    out = up.upscale(img)
    assert out.shape == (36, 44, 3) and out.dtype == np.uint8 and up.scale == 4
    x = torch.from_numpy(img.astype(np.float32) / 255).permute(2, 0, 1)[None]
    with torch.no_grad():
        ref = up.model(x)[0].clamp(0, 1).permute(1, 2, 0).numpy()
    assert np.abs(out.astype(np.float32) - ref * 255).max() <= 0.5 + 1e-3


def test_grayscale_stays_grayscale(up):
    grey = rand_img((9, 11))
    out = up.upscale(grey)
    assert out.shape == (36, 44) and out.dtype == np.uint8
    rgb = up.upscale(np.repeat(grey[..., None], 3, axis=2)).astype(np.float32)
    assert np.abs(out - rgb.mean(axis=2)).max() <= 1
    assert up.upscale(grey[..., None]).shape == (36, 44, 1)


def test_rgba_keeps_alpha(up):
    img = rand_img((9, 11, 4))
    img[..., 3] = 200
    out = up.upscale(img)
    assert out.shape == (36, 44, 4) and out.dtype == np.uint8
    assert (out[..., 3] == 200).all()
    np.testing.assert_array_equal(out[..., :3], up.upscale(img[..., :3]))
    assert up.upscale(img[..., [0, 3]]).shape == (36, 44, 2)


def test_varying_alpha_through_model_or_bicubic():
    img = rand_img((9, 11, 4))
    img[..., 3] = 0
    img[:, 6:, 3] = 255
    alpha = Upscaler(NearestX4(), alpha_mode="model").upscale(img)[..., 3]  # via the model
    np.testing.assert_array_equal(alpha, np.kron(img[..., 3], np.ones((4, 4), np.uint8)))
    alpha = Upscaler(NearestX4(), alpha_mode="bicubic").upscale(img)[..., 3]
    assert (alpha[:, :20] == 0).all() and (alpha[:, 28:] == 255).all()
    assert 0 < alpha[:, 22:26].mean() < 255


def test_16_bit_stays_16_bit(up):
    img = rand_img((9, 11, 3), np.uint16)
    out = up.upscale(img)
    assert out.dtype == np.uint16 and out.shape == (36, 44, 3)
    assert out.max() > 255  # real 16-bit range, not 8-bit values in a 16-bit array
    ref8 = up.upscale((img // 257).astype(np.uint8)).astype(np.float32)
    assert np.abs(out / 257.0 - ref8).max() < 3


def test_tiled_upscale_matches_untiled(up):
    img = rand_img((40, 44, 3))
    tiled = Upscaler(up.model, tile=16).upscale(img)
    assert np.abs(tiled.astype(int) - up.upscale(img).astype(int)).max() <= 1


def test_bad_inputs_and_dtypes(up):
    with pytest.raises(ValueError, match="uint8 or uint16"):
        up.upscale(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError, match="shape"):
        up.upscale(np.zeros((4, 4, 5), np.uint8))
    with pytest.raises(ValueError, match="fp16 inference needs a CUDA device"):
        Upscaler(generator(), dtype="fp16")
    with pytest.raises(ValueError, match="dtype must be one of"):
        Upscaler(generator(), dtype="int8")
    out = Upscaler(generator(), dtype="bf16").upscale(rand_img((8, 8, 3)))
    assert out.dtype == np.uint8 and out.shape == (32, 32, 3)


def test_scale_probe_without_attribute():
    up = Upscaler(nn.Sequential(generator(2)))
    assert up.scale == 2
    assert up.upscale(rand_img((7, 9, 3))).shape == (14, 18, 3)


@pytest.mark.parametrize(
    "shape,dtype", [((9, 11, 3), np.uint8), ((9, 11, 4), np.uint8), ((9, 11), np.uint16)]
)
def test_upscale_file_round_trip(up, tmp_path, shape, dtype):
    img = rand_img(shape, dtype)
    src, dst = tmp_path / "in.png", tmp_path / "out" / "out.png"
    cv2.imwrite(str(src), img)
    up.upscale_file(src, dst)
    got = cv2.imread(str(dst), cv2.IMREAD_UNCHANGED)
    assert got.dtype == dtype and got.shape[:2] == (36, 44) and got.ndim == len(shape)
    if len(shape) == 3:  # on disk BGR(A) == RGB(A) result converted back
        code = cv2.COLOR_BGR2RGB if shape[2] == 3 else cv2.COLOR_BGRA2RGBA
        back = cv2.COLOR_RGB2BGR if shape[2] == 3 else cv2.COLOR_RGBA2BGRA
        np.testing.assert_array_equal(got, cv2.cvtColor(up.upscale(cv2.cvtColor(img, code)), back))


def test_upscale_file_corrupt_names_the_file(up, tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    with pytest.raises(ImageReadError, match="broken.png"):
        up.upscale_file(bad, tmp_path / "o.png")


def test_from_checkpoint_alone_and_with_config(tmp_path):
    model = generator()
    ckpt = tmp_path / "g.pth"
    torch.save({"params_ema": model.state_dict()}, ckpt)
    img = rand_img((8, 8, 3))
    expected = Upscaler(model).upscale(img)
    np.testing.assert_array_equal(Upscaler.from_checkpoint(ckpt).upscale(img), expected)
    config = tmp_path / "cfg.py"
    gen = "dict(type='RRDBNet', mid_channels=8, num_blocks=1, growth_channels=4)"
    config.write_text(f"model = dict(type='ESRGAN', generator={gen})\n")
    up = Upscaler.from_checkpoint(ckpt, config=config, tile=4)
    assert up.tile == 4
    np.testing.assert_array_equal(up.upscale(img), expected)
