"""MATLAB's uint8 rounding (halves away from zero) in imresize and every LR it writes:
BicubicDegrade and tools/prepare_demo_data.py equal floor(v + 0.5) of the float result."""

import importlib.util

import cv2
import numpy as np
import pytest
import torch

from srzoo.datasets.imresize import imresize, round_half_away
from srzoo.datasets.transforms.crop import BicubicDegrade


def matlab_uint8(img, scale):
    """MATLAB's uint8 result: the float result, floor(v + 0.5), clipped."""
    v = imresize(img.astype(np.float64), scale)
    return np.clip(np.floor(v + 0.5), 0, 255).astype(np.uint8)


def ties(img, scale):
    """How many float results are halves above an even integer: where rounding half to even
    (numpy, torch) and half away from zero (MATLAB) differ."""
    v = imresize(img.astype(np.float64), scale)
    halves = np.abs(v - np.trunc(v)) == 0.5
    return int((np.trunc(v[halves]) % 2 == 0).sum())


def striped(h=64, w=64):
    """Rows of 128 (R) and 64 (B) every 5th row, noise in G: ties at x1/4 and x1/2."""
    img = np.zeros((h, w, 3), np.uint8)
    img[1::5, :, 0], img[1::5, :, 2] = 128, 64
    img[:, :, 1] = np.random.default_rng(0).integers(0, 256, (h, w))
    return img


def test_round_half_away_from_zero_exactly():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999999999999994, 2.4, -2.6])
    assert round_half_away(x).tolist() == [-3, -2, -1, 1, 2, 3, 0, 2, -3]
    assert round_half_away(torch.from_numpy(x)).tolist() == [-3, -2, -1, 1, 2, 3, 0, 2, -3]


@pytest.mark.parametrize("seed", [0, 4, 5])
def test_uint8_x2_upscale_matches_floor_v_plus_half(seed):
    img = np.random.default_rng(seed).integers(0, 256, (60, 64), dtype=np.uint8)
    assert ties(img, 2) > 0
    assert np.array_equal(imresize(img, 2), matlab_uint8(img, 2))
    tensor = torch.from_numpy(img)
    assert np.array_equal(imresize(tensor, 2).numpy(), matlab_uint8(img, 2))


def test_signed_and_16_bit_round_away_too():
    img = np.random.default_rng(0).integers(-300, 300, (60, 64), dtype=np.int16)
    v = imresize(img.astype(np.float64), 2)
    want = np.sign(v) * np.floor(np.abs(v) + 0.5)
    assert np.array_equal(imresize(img, 2), want.astype(np.int16))
    deep = np.random.default_rng(1).integers(0, 65536, (60, 64), dtype=np.uint16)
    v = imresize(deep.astype(np.float64), 2)
    assert np.array_equal(imresize(deep, 2), np.clip(np.floor(v + 0.5), 0, 65535))


@pytest.mark.parametrize("scale", [2, 4])
def test_bicubic_degrade_lr_is_matlabs(scale):
    gt = striped()
    assert ties(gt, 1 / scale) > 0
    lq = BicubicDegrade()(dict(gt=gt, scale=scale))["lq"]
    assert lq.dtype == np.uint8 and np.array_equal(lq, matlab_uint8(gt, 1 / scale))


def test_prepare_demo_data_writes_matlabs_lr(repo_root, tmp_path, monkeypatch):
    path = repo_root / "tools" / "prepare_demo_data.py"
    spec = importlib.util.spec_from_file_location("prepare_demo_data", path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    monkeypatch.setattr(tool, "photo_loaders", lambda: {"astronaut": striped})
    tool.prepare(str(tmp_path))
    for s in (2, 4):
        lr = cv2.imread(str(tmp_path / "val" / f"LRx{s}" / "astronaut.png"))[:, :, ::-1]
        assert np.array_equal(lr, matlab_uint8(striped(), 1 / s))


def test_bicubic_row_upscaling_rounds_like_matlab():
    from srzoo.evaluation.tables import bicubic_pair

    lq = np.random.default_rng(0).integers(0, 256, (60, 64, 1), dtype=np.uint8)
    assert ties(lq, 2) > 0
    up, _ = bicubic_pair(lq, np.zeros((120, 128, 1), np.uint8), 2)
    assert np.array_equal(up, matlab_uint8(lq, 2))
