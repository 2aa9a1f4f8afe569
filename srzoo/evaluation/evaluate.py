"""Evaluate a restorer on several test sets: metrics, a bicubic row, optional SR images.

This is what ``srzoo test`` (``tools/test.py``) runs: accuracy tables, not speed (that is
:mod:`srzoo.speed`). The metrics are the config's ``test_evaluator`` (srzoo's ``SRMetrics``,
and ``NIQE`` / ``LPIPS`` when configured), run through mmengine's ``Evaluator`` so that
results are gathered across ranks under a distributed launch. The bicubic row goes through
a second evaluator built from the same config, so it has every column the model row has,
computed the same way.
"""

import copy
import json
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

import cv2
import torch
from mmengine.config import Config
from mmengine.dist import is_main_process
from mmengine.evaluator import Evaluator
from mmengine.logging import print_log
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from torch import nn

from srzoo.checkpoint import load_checkpoint_file, load_weights
from srzoo.datasets.folder_index import missing_folders
from srzoo.errors import UsageError
from srzoo.evaluation.metrics import to_uint8_hwc
from srzoo.evaluation.tables import bicubic_pair, to_markdown, write_tables
from srzoo.utils.log_console import QuietConsoleMixin
from srzoo.utils.wrappers import unwrap


def save_outputs(samples: list, folder: Path) -> None:
    """Write each sample's ``pred_img`` as ``<img_name>.png`` in ``folder`` (RGB -> BGR)."""
    folder.mkdir(parents=True, exist_ok=True)
    for sample in samples:
        name = sample.metainfo.get("img_name", "image")
        img = to_uint8_hwc(sample.pred_img)
        cv2.imwrite(str(folder / f"{name}.png"), img[..., ::-1] if img.shape[2] == 3 else img)


def _chw(img) -> torch.Tensor:
    return torch.from_numpy(img.transpose(2, 0, 1).copy()).float()


def bicubic_samples(batch: dict, scale: int) -> List[dict]:
    """Metric samples of MATLAB-bicubic upscaling, for a packed (not preprocessed) batch.

    Each has ``pred_img`` (the bicubic LQ, uint8 values as float (C, H, W)), ``gt_img``
    (cropped to that size) and ``img_name``.
    """
    samples = []
    for lq, sample in zip(batch["inputs"], batch["data_samples"]):
        up, gt = bicubic_pair(to_uint8_hwc(lq), to_uint8_hwc(sample.gt_img), scale)
        name = sample.metainfo.get("img_name")
        samples.append({"pred_img": _chw(up), "gt_img": _chw(gt), "img_name": name})
    return samples


def metric_conventions(evaluator: Evaluator) -> Dict[str, str]:
    """Result key -> convention of every metric that says (``conventions()``)."""
    out: Dict[str, str] = {}
    for metric in evaluator.metrics:
        describe = getattr(metric, "conventions", None)
        for key, text in (describe() if callable(describe) else {}).items():
            out[f"{metric.prefix}/{key}" if metric.prefix else key] = text
    return out


def _metric_cfgs(evaluator_cfg) -> list:
    cfgs = evaluator_cfg if isinstance(evaluator_cfg, (list, tuple)) else [evaluator_cfg]
    return [copy.deepcopy(dict(c)) for c in cfgs]


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
        evaluator_cfg (dict | list): Metric config(s), e.g.
            ``[dict(type='SRMetrics', crop_border=4), dict(type='NIQE', crop_border=4)]``.
        with_bicubic (bool): Also score MATLAB-bicubic upscaling with the same metrics.
            Default: True.
        save_dir (Path, optional): Write the SR images there.

    Returns:
        dict: ``{'model': metrics, 'bicubic': metrics or None, 'num_images': int,
        'conventions': {key: convention}, 'per_image': {'model': {img_name: metrics},
        'bicubic': {img_name: metrics}}}``.
    """
    loader = Runner.build_dataloader(loader_cfg)
    evaluator = Evaluator(_metric_cfgs(evaluator_cfg))
    bicubic = Evaluator(_metric_cfgs(evaluator_cfg)) if with_bicubic else None
    scale = int(loader_cfg["dataset"].get("scale", 4))
    model.eval()
    for batch in loader:
        if bicubic is not None:
            bicubic.process(data_samples=bicubic_samples(batch, scale))
        with torch.no_grad():
            samples = model.test_step(batch)
        if save_dir is not None and is_main_process():
            save_outputs(samples, save_dir)
        evaluator.process(data_samples=samples, data_batch=batch)
    size = len(loader.dataset)
    result = {
        "model": evaluator.evaluate(size),
        "bicubic": bicubic.evaluate(size) if bicubic is not None else None,
        "num_images": size,
        "conventions": metric_conventions(evaluator),
    }
    result["per_image"] = {"model": per_image_values(evaluator)}
    if bicubic is not None:
        result["per_image"]["bicubic"] = per_image_values(bicubic)
    return result


def per_image_values(evaluator: Evaluator) -> Dict[str, dict]:
    """Image name -> every metric's value for it, from the evaluator's last evaluation."""
    merged: Dict[str, dict] = {}
    for metric in evaluator.metrics:
        for values in getattr(metric, "per_image", []):
            row = merged.setdefault(values["img_name"], {})
            row.update({k: v for k, v in values.items() if k != "img_name"})
    return merged


def per_image_rows(name: str, dataset: str, per_image: Dict[str, dict]) -> List[dict]:
    """Rows of the per-image table: bicubic then the model, image by image."""
    methods = [("bicubic", per_image.get("bicubic", {})), (name, per_image["model"])]
    return [
        dict(model=model, dataset=dataset, image=image, **values[image])
        for image in sorted(per_image["model"])
        for model, values in methods
        if image in values
    ]


def load_test_weights(model: nn.Module, path: str) -> Optional[str]:
    """Fill ``model.generator`` (and ``model.generator_ema`` when present) from ``path``.

    ``path`` may be an srzoo/MMagic checkpoint (``generator.`` / ``generator_ema.``), a
    BasicSR file (``params`` / ``params_ema``) or any layout srzoo reads; each part takes
    its own weights, or the other's when the file holds only one. Safe and strict.

    Returns:
        A caption note when the file holds an EMA copy that this config does not evaluate
        (a config without ``model.ema`` tests the generator's own weights), else None.
    """
    checkpoint = load_checkpoint_file(path)
    load_weights(model.generator, checkpoint, prefix="generator", name=path)
    if getattr(model, "generator_ema", None) is not None:
        load_weights(model.generator_ema, checkpoint, prefix="generator_ema", name=path)
        return None
    state = checkpoint.get("state_dict", checkpoint) if isinstance(checkpoint, Mapping) else {}
    if "params_ema" in checkpoint or any(str(k).startswith("generator_ema.") for k in state):
        return (
            "evaluated: the generator's own weights; the checkpoint's EMA copy, which srzoo "
            "upscale uses, is tested by a config with model.ema"
        )
    return None


def test_sets(cfg: Config, names: Optional[Sequence[str]] = None) -> list[dict]:
    """``cfg.test_datasets`` (name + dataset), or the single ``test_dataloader`` set.

    Args:
        cfg: The config.
        names: Keep only these sets, in this order (``srzoo test --datasets``). Default:
            None (all).

    Raises:
        UsageError: a name the config does not define; the message lists its sets.
    """
    sets = list(cfg.test_datasets) if cfg.get("test_datasets") else []
    sets = sets or [dict(name="test", dataset=cfg.test_dataloader.dataset)]
    if not names:
        return sets
    by_name = {entry["name"]: entry for entry in sets}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise UsageError(f"--datasets {unknown}: the config's test sets are {list(by_name)}")
    return [by_name[n] for n in names]


class _TestRunner(QuietConsoleMixin, Runner):
    """mmengine's Runner with srzoo's console: one line each for its environment, config and
    hook dumps (full in the log file)."""


def test_model(cfg: Config) -> nn.Module:
    """The config's restorer, unwrapped, with what only training needs left out: no
    ``pretrained`` weights (the checkpoint under test supplies them) and no loss weights
    files (testing computes no loss, so a missing VGG19 file does not matter). The Runner
    sets up scope, environment and distributed state."""
    cfg.model.pop("pretrained", None)
    for part in cfg.model.values():
        if isinstance(part, Mapping) and "pretrained" in part:  # e.g. the perceptual VGG19
            part["pretrained"] = None
    return unwrap(_TestRunner.from_cfg(cfg).model)


def training_notes(cfg: Config) -> List[str]:
    """Caveats about how the model was trained that a reader of its table must know."""
    percep = cfg.model.get("perceptual_loss")
    if isinstance(percep, Mapping) and "pretrained" in percep and percep["pretrained"] is None:
        return ["its perceptual loss used a random-weight VGG19 (no weights were available)"]
    return []


def run_caption(meta: Mapping) -> str:
    """One caption line: which model, checkpoint, config, scale, and caveats."""
    scale = f", x{meta['scale']}" if meta.get("scale") else ""
    notes = "".join(f"; {note}" for note in meta.get("notes") or [])
    return (
        f"- **{meta['name']}**: checkpoint `{meta['checkpoint']}`, config "
        f"`{meta.get('config', '?')}`{scale}{notes}."
    )


def row_name(cfg: Config, checkpoint: str) -> str:
    """A table row's model name: the config's ``model_zoo.name`` and which checkpoint."""
    name = cfg.get("model_zoo", {}).get("name") or Path(cfg.filename).stem
    return f"{name} [{Path(checkpoint).name}]"


def run_test(
    cfg: Config,
    checkpoint: str,
    *,
    save_images: bool = False,
    bicubic: bool = True,
    datasets: Optional[Sequence[str]] = None,
):
    """Evaluate ``checkpoint`` on the test sets of ``cfg``; write Markdown, CSV and JSON.

    A set whose folders are missing gets a row saying so (``note``), and the other sets
    are still evaluated. ``per_image.{md,csv,json}`` beside the tables hold each image's
    values (bicubic and the model), for finding the images a model does worse on.

    Args:
        cfg: The loaded config.
        checkpoint: The checkpoint file (any layout srzoo reads).
        save_images: Write the SR images under ``work_dir/images/<set>``. Default: False.
        bicubic: Add a bicubic row per set. Default: True.
        datasets: Evaluate only these sets (by name). Default: None (all).

    Returns:
        dict[str, Path]: the written table files: ``md``, ``csv``, ``json`` (the benchmark)
        and ``per_image_md``, ``per_image_csv``, ``per_image_json``.
    """
    selected = test_sets(cfg, datasets)
    notes = training_notes(cfg)
    model = test_model(cfg)
    ema_note = load_test_weights(model, checkpoint)
    notes += [ema_note] if ema_note else []
    name = row_name(cfg, checkpoint)
    rows, images, conventions = [], [], {}
    for entry in selected:
        missing = missing_folders(entry["dataset"])
        if missing:
            folders = ", ".join(folder for _, folder in missing)
            rows.append(dict(model=name, dataset=entry["name"], note=f"n/a: missing {folders}"))
            print_log(f"test set {entry['name']} skipped: missing {folders}", logger="current")
            continue
        loader = dict(cfg.test_dataloader, dataset=entry["dataset"])
        save_dir = Path(cfg.work_dir) / "images" / entry["name"] if save_images else None
        with DefaultScope.overwrite_default_scope("srzoo"):
            result = evaluate_dataset(
                model, loader, cfg.test_evaluator, with_bicubic=bicubic, save_dir=save_dir
            )
        if result["bicubic"]:
            rows.append(dict(model="bicubic", dataset=entry["name"], **result["bicubic"]))
        rows.append(dict(model=name, dataset=entry["name"], **result["model"]))
        images += per_image_rows(name, entry["name"], result["per_image"])
        conventions.update(result["conventions"])
    if not is_main_process():
        return {}
    generator = unwrap(getattr(model, "generator", None))
    meta = dict(
        name=name,
        checkpoint=str(checkpoint),
        config=str(cfg.filename),
        scale=getattr(generator, "scale", None),
        notes=notes,
        published=cfg.get("model_zoo", {}).get("published", {}),
    )
    caption = [run_caption(meta)]
    paths = write_tables(rows, cfg.work_dir, "benchmark", conventions, caption)
    if images:
        per_image = write_tables(images, cfg.work_dir, "per_image", conventions, caption)
        paths.update({f"per_image_{fmt}": path for fmt, path in per_image.items()})
    (Path(cfg.work_dir) / "model_zoo.json").write_text(json.dumps(meta, indent=1))
    print(to_markdown(rows, conventions))
    return paths
