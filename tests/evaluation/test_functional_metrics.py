"""PSNR / SSIM / MAE / Y against BasicSR's values (fixtures) and hand-computed cases."""

import json

import cv2
import numpy as np
import pytest

from srzoo.evaluation.functional import mae, psnr, rgb2ycbcr_y, ssim

IMAGES = ("astronaut", "coffee", "chelsea")


def fixture_pair(fixtures_dir, name):
    import skimage.data

    gt = getattr(skimage.data, name)()
    h, w = gt.shape[:2]
    gt = gt[: h - h % 4, : w - w % 4]
    sr = cv2.imread(str(fixtures_dir / f"{name}_sr_x4.png"), cv2.IMREAD_COLOR)[:, :, ::-1]
    return np.ascontiguousarray(sr), gt


@pytest.fixture(scope="module")
def reference(fixtures_dir):
    return json.loads((fixtures_dir / "metrics_reference.json").read_text())["images"]


@pytest.mark.parametrize("name", IMAGES)
def test_psnr_ssim_match_basicsr(fixtures_dir, reference, name):
    sr, gt = fixture_pair(fixtures_dir, name)
    ref = reference[name]
    assert list(gt.shape) == ref["gt_shape"]
    assert psnr(sr, gt, crop_border=4) == pytest.approx(ref["psnr_rgb"], abs=1e-6)
    assert ssim(sr, gt, crop_border=4) == pytest.approx(ref["ssim_rgb"], abs=1e-6)
    assert psnr(sr, gt, crop_border=4, y_channel=True) == pytest.approx(ref["psnr_y"], abs=1e-6)
    assert ssim(sr, gt, crop_border=4, y_channel=True) == pytest.approx(ref["ssim_y"], abs=1e-6)


def test_float_input_equals_uint8_input(fixtures_dir):
    sr, gt = fixture_pair(fixtures_dir, "chelsea")
    assert psnr(sr.astype(np.float32), gt.astype(np.float64), crop_border=4) == pytest.approx(
        psnr(sr, gt, crop_border=4), abs=1e-9
    )
    assert ssim(sr.astype(np.float64), gt, crop_border=4, y_channel=True) == pytest.approx(
        ssim(sr, gt, crop_border=4, y_channel=True), abs=1e-9
    )


def test_psnr_hand_computed():
    a = np.zeros((8, 8, 3), np.uint8)
    b = a.copy()
    b[0, 0, 0] = 16  # mse = 256 / 192; border cropping removes the difference
    expected = 10 * np.log10(255.0**2 / (256 / 192))
    assert psnr(a, b) == pytest.approx(expected, abs=1e-12)
    assert psnr(a, b, crop_border=1) == float("inf")
    assert mae(a, b) == pytest.approx(16 / 192)


def test_ssim_identity_and_grayscale():
    img = np.random.default_rng(0).integers(0, 256, (20, 20), dtype=np.uint8)
    assert ssim(img, img) == pytest.approx(1.0)
    assert ssim(img, 255 - img) < 0.0
    assert psnr(img, img, y_channel=True) == float("inf")  # grayscale: Y is the image


def test_rgb2ycbcr_y_bt601_matlab_values():
    img = np.array([[[0, 0, 0], [255, 255, 255], [255, 0, 0]]], np.uint8)
    y = rgb2ycbcr_y(img)
    np.testing.assert_allclose(y[0], [16.0, 235.0, 16 + 65.481], atol=1e-4)


def test_errors():
    with pytest.raises(ValueError, match="shapes differ"):
        psnr(np.zeros((8, 8, 3)), np.zeros((8, 9, 3)))
    with pytest.raises(ValueError, match="crop_border"):
        psnr(np.zeros((8, 8, 3)), np.zeros((8, 8, 3)), crop_border=4)
    with pytest.raises(ValueError, match="11x11"):
        ssim(np.zeros((8, 8, 3)), np.zeros((8, 8, 3)))
