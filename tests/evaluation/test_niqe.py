"""NIQE equals BasicSR's ``calculate_niqe`` (tests/fixtures/niqe_reference.json).

The six images are rebuilt from scikit-image's photos with the fixture's recipe: the mod-4
crop (GT), and its x4 MATLAB-bicubic round trip rounded to uint8. BasicSR resizes in float32,
so the round trip is made here in float32 too; its LR half is checked against the LR that
BasicSR wrote for ``metrics_reference.json``.
"""

import json

import numpy as np
import pytest
import torch

import srzoo.evaluation  # noqa: F401  (registers the metrics)
from srzoo.datasets.imresize import imresize
from srzoo.evaluation.niqe import BLOCK_SIZE, PRISTINE_PARAMS_FILE, load_pristine_model, niqe
from srzoo.registry import METRICS

IMAGES = ("astronaut", "coffee", "chelsea")
TOL = 1e-4
# BasicSR's float32 bicubic leaves pixels of the astronaut round trip within 1e-5 of a
# rounding boundary (e.g. R at (340, 131) is 223.4999886 in exact arithmetic); which way
# they round depends on the machine's float32 summation order, and in astronaut's flat
# regions one such pixel moves NIQE by 1.2e-3. Every other image agrees to 2.2e-5.
TOL_ASTRONAUT_BICUBIC = 2.5e-3


def photo(name: str) -> np.ndarray:
    import skimage.data

    img = getattr(skimage.data, name)()
    h, w = img.shape[:2]
    return np.ascontiguousarray(img[: h - h % 4, : w - w % 4])


def unit_to_uint8(img: np.ndarray) -> np.ndarray:
    return (np.clip(img, 0, 1) * 255).round().astype(np.uint8)


def bicubic_round_trip(gt: np.ndarray) -> tuple:
    lr = unit_to_uint8(imresize(gt.astype(np.float64) / 255.0, 0.25))
    up = imresize((lr.astype(np.float64) / 255.0).astype(np.float32), 4)
    return lr, unit_to_uint8(up)


@pytest.fixture(scope="module")
def reference(fixtures_dir):
    return json.loads((fixtures_dir / "niqe_reference.json").read_text())["values"]


@pytest.mark.parametrize("name", IMAGES)
def test_niqe_equals_basicsr(fixtures_dir, reference, name):
    gt = photo(name)
    lr, bicubic = bicubic_round_trip(gt)
    basicsr_lr = unit_to_uint8(np.load(fixtures_dir / f"{name}_lr_x4.npy"))
    np.testing.assert_array_equal(lr, basicsr_lr)
    assert niqe(gt) == pytest.approx(reference[name]["gt"], abs=TOL)
    tol = TOL_ASTRONAUT_BICUBIC if name == "astronaut" else TOL
    assert niqe(bicubic) == pytest.approx(reference[name]["bicubic_x4"], abs=tol)
    assert niqe(bicubic) > niqe(gt) + 3  # blur is unnatural


def test_crop_border_grey_and_float_input():
    img = photo("chelsea")
    assert niqe(img, crop_border=4) == niqe(img[4:-4, 4:-4])
    assert niqe(img, crop_border=4) != niqe(img)
    assert niqe(img.astype(np.float64)) == niqe(img)
    from srzoo.evaluation.functional import rgb2ycbcr_y

    y = rgb2ycbcr_y(img)
    assert niqe(y) == pytest.approx(niqe(img), abs=1e-12)
    assert niqe(y[:, :, None]) == niqe(y)


def test_too_small_or_bad_input_is_refused():
    rng = np.random.default_rng(0)
    one_block = rng.integers(0, 256, (BLOCK_SIZE + 8, BLOCK_SIZE + 8, 3)).astype(np.uint8)
    with pytest.raises(ValueError, match="two 96x96 blocks"):
        niqe(one_block)
    two_blocks = rng.integers(0, 256, (2 * BLOCK_SIZE, BLOCK_SIZE, 3)).astype(np.uint8)
    assert np.isfinite(niqe(two_blocks))
    with pytest.raises(ValueError, match="crop_border"):
        niqe(two_blocks, crop_border=-1)
    with pytest.raises(ValueError, match="RGB"):
        niqe(np.zeros((200, 200, 2)))


def test_shipped_pristine_model():
    model = load_pristine_model()
    assert PRISTINE_PARAMS_FILE.parent.name == "data"
    assert model.mu.shape == (1, 36) and model.cov.shape == (36, 36)
    assert model.window.shape == (7, 7) and model.window.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(model.cov, model.cov.T)
    with pytest.raises(FileNotFoundError, match="pristine"):
        load_pristine_model("/nonexistent/niqe.npz")


def test_niqe_metric_rounds_the_output_and_names_its_convention():
    gt = photo("coffee")[:200, :300].astype(np.float64)
    noisy = gt + np.random.default_rng(1).normal(0, 0.3, gt.shape)
    chw = torch.from_numpy(noisy.transpose(2, 0, 1).copy())
    metric = METRICS.build(dict(type="NIQE", crop_border=4))
    metric.process({}, [{"pred_img": chw, "img_name": "coffee"}])
    metric.process({}, [{"pred_img": chw.flip(-1)}])
    rounded = np.clip(np.round(noisy), 0, 255).astype(np.uint8)
    expected = [niqe(rounded, 4), niqe(rounded[:, ::-1], 4)]
    assert [r["NIQE"] for r in metric.results] == pytest.approx(expected, abs=1e-12)
    assert metric.compute_metrics(metric.results) == {"NIQE": pytest.approx(np.mean(expected))}
    assert metric.conventions() == {"NIQE": "Y BT.601, border 4, 96px blocks"}
