"""MATLAB bicubic imresize: BasicSR fixtures, hand-computed values, properties."""

import numpy as np
import pytest
import torch

from srzoo.datasets.imresize import axis_weights, imresize

IMAGES = ("astronaut", "coffee", "chelsea")


def fixture_gt(name: str) -> np.ndarray:
    """The fixture recipe's GT: the skimage photo cropped top-left to a multiple of 4."""
    import skimage.data

    img = getattr(skimage.data, name)()
    h, w = img.shape[:2]
    return img[: h - h % 4, : w - w % 4]


@pytest.mark.parametrize("name", IMAGES)
def test_matches_basicsr_lr_fixture(fixtures_dir, name):
    ref = np.load(fixtures_dir / f"{name}_lr_x4.npy")
    lr = imresize(fixture_gt(name) / 255.0, 0.25)
    assert lr.dtype == np.float64 and lr.shape == ref.shape
    # BasicSR computed the fixture in float32 (every value is float32-exact), so the
    # float64 result agrees to float32 precision: a few ulps of 1.0 (6e-8 each).
    assert np.abs(lr - ref).max() < 5e-7


def test_hand_computed_upscale_x2():
    # Row [0, 1], scale 2: samples at u = 0.75, 1.25, 1.75, 2.25 with Keys' a = -0.5
    # weights (-0.0234375, 0.2265625, 0.8671875, -0.0703125) and mirrored borders.
    out = imresize(np.array([[0.0, 1.0]]), 2)
    expected = np.array([-0.09375, 0.203125, 0.796875, 1.09375])
    assert out.shape == (2, 4)
    np.testing.assert_allclose(out, np.stack([expected, expected]), atol=1e-12)


def test_hand_computed_antialiased_downscale():
    # Row [0, 1, 2, 3], scale 0.5: the kernel widens to 8 taps, weights
    # cubic(d / 2) / 2; the first output is 0.921875 / 2 by hand.
    out = imresize(np.array([[0.0, 1.0, 2.0, 3.0]]), 0.5)
    np.testing.assert_allclose(out, [[0.4609375, 2.5390625]], atol=1e-12)


def test_weights_rows_sum_to_one_and_indices_in_range():
    for n, s in [(7, 0.25), (13, 1 / 3), (5, 4.0), (9, 2.0)]:
        w, idx = axis_weights(n, s)
        np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-12)
        assert idx.min() >= 0 and idx.max() < n


@pytest.mark.parametrize("value", [0.0, 0.3, 1.0])
def test_constant_image_down_then_up_is_exact(value):
    img = np.full((32, 24, 3), value)
    down = imresize(img, 0.25)
    up = imresize(down, 4)
    np.testing.assert_allclose(down, value, atol=1e-12)
    np.testing.assert_allclose(up, value, atol=1e-12)
    assert up.shape == img.shape


@pytest.mark.parametrize("h,w", [(31, 45), (17, 10), (5, 7)])
def test_x4_downscale_shape_is_ceil(h, w):
    out = imresize(np.random.rand(h, w, 3), 0.25)
    assert out.shape == (int(np.ceil(h / 4)), int(np.ceil(w / 4)), 3)
    assert imresize(np.random.rand(h, w), 4).shape == (4 * h, 4 * w)


def test_third_scale_shape_ignores_float_noise():
    assert imresize(np.zeros((300, 451, 3)), 1 / 3).shape == (100, 151, 3)


def test_uint8_is_rounded_and_clipped():
    img = np.zeros((8, 8, 3), np.uint8)
    img[:, 4:] = 255
    out = imresize(img, 2)
    assert out.dtype == np.uint8
    ref = np.clip(np.round(imresize(img.astype(np.float64), 2)), 0, 255)
    np.testing.assert_array_equal(out, ref)


def test_float32_stays_float32():
    assert imresize(np.random.rand(8, 8, 3).astype(np.float32), 0.5).dtype == np.float32


def test_tensor_path_equals_numpy_path():
    img = np.random.rand(2, 3, 20, 13)
    out_t = imresize(torch.from_numpy(img), 0.25)
    assert isinstance(out_t, torch.Tensor) and out_t.shape == (2, 3, 5, 4)
    for n in range(2):
        ref = imresize(img[n].transpose(1, 2, 0), 0.25)
        np.testing.assert_allclose(out_t[n].numpy().transpose(1, 2, 0), ref, atol=1e-12)
    up = imresize(torch.from_numpy(img[0]).float(), 3)
    assert up.dtype == torch.float32 and up.shape == (3, 60, 39)


def test_bad_scale_raises():
    with pytest.raises(ValueError, match="scale"):
        imresize(np.zeros((4, 4)), 0)
    with pytest.raises(TypeError):
        imresize([[0.0]], 2)
