"""Evaluate a restorer on several test sets: metrics, a bicubic row, optional SR images.

This is the engine behind ``tools/test.py``. The metrics are srzoo's ``SRMetrics``
(MATLAB conventions, RGB and Y together), run through mmengine's ``Evaluator`` so that
results are gathered across ranks under a distributed launch.
"""

from pathlib import Path
from typing import Optional

import cv2
import numpy as np
import torch
from mmengine.dist import all_gather_object, is_main_process
from mmengine.evaluator import Evaluator
from mmengine.runner import Runner

from srzoo.evaluation.metrics import to_uint8_hwc
from srzoo.evaluation.tables import bicubic_baseline


def save_outputs(samples: list, folder: Path) -> None:
    """Write each sample's ``pred_img`` as ``<img_name>.png`` in ``folder`` (RGB -> BGR)."""
    folder.mkdir(parents=True, exist_ok=True)
    for sample in samples:
        name = sample.metainfo.get("img_name", "image")
        img = to_uint8_hwc(sample.pred_img)
        cv2.imwrite(str(folder / f"{name}.png"), img[..., ::-1] if img.shape[2] == 3 else img)


def bicubic_row(batch: dict, scale: int, crop_border: int) -> list[dict]:
    """Bicubic-baseline metrics for every image of a packed (not preprocessed) batch."""
    rows = []
    for lq, sample in zip(batch["inputs"], batch["data_samples"]):
        gt = to_uint8_hwc(sample.gt_img)
        rows.append(bicubic_baseline(to_uint8_hwc(lq), gt, scale, crop_border))
    return rows


def evaluate_dataset(
    model: torch.nn.Module,
    loader_cfg: dict,
    evaluator_cfg: dict,
    *,
    with_bicubic: bool = True,
    save_dir: Optional[Path] = None,
) -> dict:
    """Run ``model.test_step`` over one test set.

    Args:
        model (nn.Module): The restorer (eval mode is set here).
        loader_cfg (dict): A ``test_dataloader`` config with its ``dataset``.
        evaluator_cfg (dict): Metric config(s), e.g. ``dict(type='SRMetrics', crop_border=4)``.
        with_bicubic (bool): Also compute the MATLAB-bicubic row. Default: True.
        save_dir (Path, optional): Write the SR images there.

    Returns:
        dict: ``{'model': metrics, 'bicubic': metrics or None, 'num_images': int}``.
    """
    loader = Runner.build_dataloader(loader_cfg)
    evaluator = Evaluator(evaluator_cfg if isinstance(evaluator_cfg, list) else [evaluator_cfg])
    scale = int(loader_cfg["dataset"].get("scale", 4))
    first_metric = evaluator_cfg[0] if isinstance(evaluator_cfg, list) else evaluator_cfg
    crop = int(first_metric.get("crop_border", scale))
    model.eval()
    bicubic = []
    for batch in loader:
        if with_bicubic:
            bicubic += bicubic_row(batch, scale, crop)
        with torch.no_grad():
            samples = model.test_step(batch)
        if save_dir is not None and is_main_process():
            save_outputs(samples, save_dir)
        evaluator.process(data_samples=samples, data_batch=batch)
    metrics = evaluator.evaluate(len(loader.dataset))
    bicubic = sum(all_gather_object(bicubic), [])
    bicubic_mean = (
        {k: float(np.mean([r[k] for r in bicubic])) for k in bicubic[0]} if bicubic else None
    )
    return {"model": metrics, "bicubic": bicubic_mean, "num_images": len(loader.dataset)}
