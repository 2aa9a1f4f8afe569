"""``srzoo test`` tables: the bicubic row and the model row use the metric's effective
settings (an unset ``crop_border`` is SRMetrics' 0 for both, never the scale)."""

import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import DefaultScope

import srzoo.datasets  # noqa: F401  (registers datasets and transforms)
import srzoo.evaluation  # noqa: F401  (registers the metrics)
from srzoo.datasets.imresize import imresize
from srzoo.evaluation.evaluate import evaluate_dataset
from srzoo.evaluation.functional import psnr
from srzoo.evaluation.metrics import to_uint8_hwc
from srzoo.evaluation.tables import bicubic_pair


class BicubicRestorer(torch.nn.Module):
    """A "model" that predicts the MATLAB-bicubic upscaling: its row must equal bicubic's."""

    def test_step(self, batch):
        out = []
        for lq, sample in zip(batch["inputs"], batch["data_samples"]):
            up, _ = bicubic_pair(to_uint8_hwc(lq), to_uint8_hwc(sample.gt_img), 4)
            pred = torch.from_numpy(up.transpose(2, 0, 1).copy()).float()
            out.append(dict(pred_img=pred, gt_img=sample.gt_img, img_name=sample.img_name))
        return out


@pytest.fixture()
def loader_cfg(tmp_path):
    rng = np.random.default_rng(0)
    for sub in ("GT", "LR"):
        (tmp_path / sub).mkdir()
    for i in range(2):
        small = rng.integers(0, 256, (6, 6, 3)).astype(np.uint8)
        gt = cv2.resize(small, (32, 32), interpolation=cv2.INTER_CUBIC)
        cv2.imwrite(str(tmp_path / "GT" / f"{i}.png"), gt)
        cv2.imwrite(str(tmp_path / "LR" / f"{i}.png"), imresize(gt, 1 / 4))
    pipeline = [
        dict(type="LoadImageFromFile", key="gt"),
        dict(type="LoadImageFromFile", key="lq"),
        dict(type="PackSRInputs"),
    ]
    dataset = dict(
        type="PairedImageDataset", data_root=str(tmp_path), gt_folder="GT", lq_folder="LR",
        scale=4, test_mode=True, pipeline=pipeline,
    )  # fmt: skip
    return dict(
        batch_size=1, num_workers=0, dataset=dataset,
        sampler=dict(type="DefaultSampler", shuffle=False), collate_fn=dict(type="pseudo_collate"),
    )  # fmt: skip


def bicubic_psnr(folder, border):
    """Mean RGB PSNR of the bicubic upscaling over the set, at ``border``."""
    values = []
    for i in range(2):
        gt = cv2.imread(str(folder / "GT" / f"{i}.png"))[:, :, ::-1]
        lq = cv2.imread(str(folder / "LR" / f"{i}.png"))[:, :, ::-1]
        up, gt = bicubic_pair(lq, gt, 4)
        values.append(psnr(up, gt, crop_border=border))
    return float(np.mean(values))


@pytest.mark.parametrize(
    ("metric", "border"),
    [(dict(type="SRMetrics"), 0), (dict(type="SRMetrics", crop_border=2), 2)],
)
def test_bicubic_row_uses_the_metrics_border(tmp_path, loader_cfg, metric, border):
    with DefaultScope.overwrite_default_scope("srzoo"):
        result = evaluate_dataset(BicubicRestorer(), loader_cfg, metric)
    assert result["bicubic"]["PSNR"] == pytest.approx(bicubic_psnr(tmp_path, border), abs=1e-9)
    assert result["bicubic"]["PSNR"] != pytest.approx(bicubic_psnr(tmp_path, 4), abs=1e-3)
    assert result["bicubic"] == pytest.approx(result["model"])  # one table, one convention
