"""SRMetrics (mmengine BaseMetric): keys, values, rounding, sample formats, conventions.

NIQE and LPIPS are tested against their references in test_niqe.py and test_lpips.py.
"""

import numpy as np
import pytest
import torch
from mmengine.structures import BaseDataElement

import srzoo.evaluation  # noqa: F401  (registers the metrics)
from srzoo.evaluation.functional import mae, psnr, ssim
from srzoo.evaluation.metrics import SRMetrics
from srzoo.registry import METRICS


def pair(seed=0, size=24):
    rng = np.random.default_rng(seed)
    gt = rng.integers(0, 256, (size, size, 3)).astype(np.float64)
    pred = np.clip(gt + rng.normal(0, 8, gt.shape), 0, 255)
    return pred, gt


def chw(img):
    return torch.from_numpy(img.transpose(2, 0, 1).copy()).float()


def test_keys_and_values_match_functional():
    metric = METRICS.build(dict(type="SRMetrics", crop_border=2))
    preds, gts = zip(*(pair(seed) for seed in range(2)))
    samples = [{"pred_img": chw(p), "gt_img": chw(g)} for p, g in zip(preds, gts)]
    metric.process({}, samples)
    out = metric.compute_metrics(metric.results)
    assert set(out) == {"PSNR", "SSIM", "MAE", "PSNR_Y", "SSIM_Y", "MAE_Y"}
    rounded = [np.clip(np.round(p.astype(np.float32)), 0, 255).astype(np.uint8) for p in preds]
    for key, fn, y in [("PSNR", psnr, False), ("SSIM_Y", ssim, True), ("MAE", mae, False)]:
        expected = np.mean([fn(r, g, crop_border=2, y_channel=y) for r, g in zip(rounded, gts)])
        assert out[key] == pytest.approx(expected, abs=1e-9)


def test_prediction_is_rounded_to_uint8_first():
    gt = np.full((16, 16, 3), 100.0)
    metric = SRMetrics(metrics=("MAE",), channels=("RGB",))
    metric.process({}, [{"pred_img": chw(gt + 0.4), "gt_img": chw(gt)}])
    metric.process({}, [{"pred_img": chw(gt + 0.6), "gt_img": chw(gt)}])
    assert metric.compute_metrics(metric.results) == {"MAE": pytest.approx(0.5)}


def test_data_elements_and_gt_from_batch():
    pred, gt = pair()
    sample = BaseDataElement(metainfo=dict(img_name="x"))
    sample.pred_img = chw(pred)
    batch = {"data_samples": [BaseDataElement(gt_img=chw(gt))]}
    metric = SRMetrics(metrics=("PSNR",), channels=("Y",))
    metric.process(batch, [sample])
    assert metric.results[0]["img_name"] == "x"
    expected = psnr(np.round(pred.astype(np.float32)).astype(np.uint8), gt, y_channel=True)
    assert metric.compute_metrics(metric.results)["PSNR_Y"] == pytest.approx(expected)


def test_evaluate_with_prefix_and_grayscale():
    gt = np.random.default_rng(3).integers(0, 256, (16, 16, 1)).astype(np.float64)
    metric = SRMetrics(metrics=("PSNR",), prefix="demo")
    metric.process({}, [{"pred_img": chw(gt), "gt_img": chw(gt)}])
    assert metric.evaluate(1) == {"demo/PSNR": float("inf"), "demo/PSNR_Y": float("inf")}


def test_bad_arguments_and_missing_fields():
    with pytest.raises(ValueError, match="LPIPS"):
        SRMetrics(metrics=("LPIPS",))
    with pytest.raises(ValueError, match="channels"):
        SRMetrics(channels=("YCbCr",))
    with pytest.raises(KeyError, match="gt_img"):
        SRMetrics().process({}, [{"pred_img": torch.zeros(3, 4, 4)}])


def test_size_mismatch_names_the_file():
    sample = {"pred_img": torch.zeros(3, 8, 8), "gt_img": torch.zeros(3, 9, 8)}
    sample.update(gt_path="GT/odd.png", lq_path="LR/odd.png")
    with pytest.raises(ValueError, match="GT/odd.png"):
        SRMetrics().process({}, [sample])


def test_conventions_name_channel_and_border():
    metric = SRMetrics(crop_border=4, metrics=("PSNR", "SSIM"))
    assert metric.conventions() == {
        "PSNR": "RGB, border 4",
        "SSIM": "RGB, border 4",
        "PSNR_Y": "Y BT.601, border 4",
        "SSIM_Y": "Y BT.601, border 4",
    }
