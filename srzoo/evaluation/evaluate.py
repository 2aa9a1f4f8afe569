"""Evaluate a restorer on several test sets: metrics, a bicubic row, optional SR images.

This is what ``srzoo test`` (``tools/test.py``) runs: accuracy tables, not speed (that is
:mod:`srzoo.speed`). The metrics are srzoo's ``SRMetrics`` (MATLAB conventions, RGB and Y
together), run through mmengine's ``Evaluator`` so that results are gathered across ranks
under a distributed launch.
"""

import json
from pathlib import Path
from typing import Optional

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.dist import all_gather_object, is_main_process
from mmengine.evaluator import Evaluator
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from torch import nn

from srzoo.checkpoint import load_checkpoint_file, load_weights
from srzoo.evaluation.metrics import to_uint8_hwc
from srzoo.evaluation.tables import bicubic_baseline, to_markdown, write_tables
from srzoo.utils.wrappers import unwrap


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


def load_test_weights(model: nn.Module, path: str) -> None:
    """Fill ``model.generator`` (and ``model.generator_ema`` when present) from ``path``.

    ``path`` may be an srzoo/MMagic checkpoint (``generator.`` / ``generator_ema.``), a
    BasicSR file (``params`` / ``params_ema``) or any layout srzoo reads; each part takes
    its own weights, or the other's when the file holds only one. Safe and strict.
    """
    checkpoint = load_checkpoint_file(path)
    load_weights(model.generator, checkpoint, prefix="generator", name=path)
    if getattr(model, "generator_ema", None) is not None:
        load_weights(model.generator_ema, checkpoint, prefix="generator_ema", name=path)


def test_sets(cfg: Config) -> list[dict]:
    """``cfg.test_datasets`` (name + dataset), or the single ``test_dataloader`` set."""
    if cfg.get("test_datasets"):
        return list(cfg.test_datasets)
    return [dict(name="test", dataset=cfg.test_dataloader.dataset)]


def run_test(cfg: Config, checkpoint: str, *, save_images: bool = False, bicubic: bool = True):
    """Evaluate ``checkpoint`` on every test set of ``cfg``; write Markdown, CSV and JSON.

    Returns:
        dict[str, Path]: the written table files by format.
    """
    cfg.model.pop("pretrained", None)  # the checkpoint supplies the weights
    runner = Runner.from_cfg(cfg)  # sets up scope, env and distributed state
    model = unwrap(runner.model)
    load_test_weights(model, checkpoint)
    name = cfg.get("model_zoo", {}).get("name", Path(cfg.filename).stem)
    rows = []
    for entry in test_sets(cfg):
        loader = dict(cfg.test_dataloader, dataset=entry["dataset"])
        save_dir = Path(cfg.work_dir) / "images" / entry["name"] if save_images else None
        with DefaultScope.overwrite_default_scope("srzoo"):
            result = evaluate_dataset(
                model, loader, cfg.test_evaluator, with_bicubic=bicubic, save_dir=save_dir
            )
        if result["bicubic"]:
            rows.append(dict(model="bicubic", dataset=entry["name"], **result["bicubic"]))
        rows.append(dict(model=name, dataset=entry["name"], **result["model"]))
    if not is_main_process():
        return {}
    paths = write_tables(rows, cfg.work_dir, stem="benchmark")
    meta = dict(
        name=name,
        checkpoint=str(checkpoint),
        published=cfg.get("model_zoo", {}).get("published", {}),
    )
    (Path(cfg.work_dir) / "model_zoo.json").write_text(json.dumps(meta, indent=1))
    print(to_markdown(rows))
    return paths
