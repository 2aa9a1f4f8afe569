"""The scale of a config: checked for consistency, and changed in one step.

A config names its scale in several places: the generator's ``upscale_factor``, every data
set's ``scale``, the GT crop sizes (which the scale must divide) and the discriminator's
``input_size`` (the GT patch it sees). :func:`check_scale` compares them when the config is
loaded and raises one error naming every key that disagrees, instead of a shape error at
the first step. :func:`set_scale` (``srzoo train CONFIG --scale 2``) changes all of them.
"""

import inspect
import re
from typing import Any, Dict, Iterator, List, Mapping, Tuple

from srzoo.errors import UsageError
from srzoo.registry import BACKBONES


def _dataset_entries(cfg: Mapping[str, Any]) -> Iterator[Tuple[str, Any]]:
    """(config key, dataset config) of every data set of ``cfg``."""
    for name in ("train_dataloader", "val_dataloader", "test_dataloader"):
        dataset = (cfg.get(name) or {}).get("dataset")
        if isinstance(dataset, Mapping):
            yield f"{name}.dataset", dataset
    for index, entry in enumerate(cfg.get("test_datasets") or []):
        yield f"test_datasets[{index}].dataset", entry["dataset"]


def generator_scale(model: Mapping[str, Any]) -> Any:
    """``model.generator.upscale_factor``, or its constructor's default."""
    generator = model.get("generator") or {}
    if "upscale_factor" in generator:
        return generator["upscale_factor"]
    cls = BACKBONES.get(generator.get("type", "")) if generator.get("type") else None
    param = inspect.signature(cls).parameters.get("upscale_factor") if cls else None
    return None if param is None or param.default is inspect.Parameter.empty else param.default


def _scale_problems(cfg: Mapping[str, Any], scale: int) -> List[str]:
    problems = []
    for where, dataset in _dataset_entries(cfg):
        if "scale" in dataset and dataset["scale"] != scale:
            problems.append(f"{where}.scale = {dataset['scale']}")
        for index, step in enumerate(dataset.get("pipeline") or []):
            patch = step.get("gt_patch_size") if isinstance(step, Mapping) else None
            if patch is not None and patch % scale:
                key = f"{where}.pipeline[{index}].gt_patch_size"
                problems.append(f"{key} = {patch} (not a multiple of {scale})")
    return problems


def _train_patch(cfg: Mapping[str, Any]) -> Tuple[str, Any]:
    dataset = ((cfg.get("train_dataloader") or {}).get("dataset")) or {}
    for index, step in enumerate(dataset.get("pipeline") or []):
        if isinstance(step, Mapping) and step.get("gt_patch_size") is not None:
            key = f"train_dataloader.dataset.pipeline[{index}].gt_patch_size"
            return key, step["gt_patch_size"]
    return "", None


def check_scale(cfg: Mapping[str, Any], scale_option: bool = False) -> None:
    """Raise one error naming every scale setting that disagrees with the generator's.

    Raises:
        UsageError: a data set's ``scale``, a GT crop size the scale does not divide, or a
            discriminator ``input_size`` other than the training GT patch; the message
            names each key, and ``--scale`` as the one-step way to change the scale (or,
            with ``scale_option``, i.e. after ``--scale``, which sizes it leaves to the user).
    """
    model = cfg.get("model") or {}
    scale = generator_scale(model)
    if not isinstance(scale, int):
        return
    problems = _scale_problems(cfg, scale)
    degradation = (model.get("data_preprocessor") or {}).get("degradation") or {}
    if degradation.get("scale", scale) != scale:
        problems.append(f"model.data_preprocessor.degradation.scale = {degradation['scale']}")
    size = (model.get("discriminator") or {}).get("input_size")
    patch_key, patch = _train_patch(cfg)
    if size is not None and patch is not None and size != patch:
        where = f"the GT patch {patch_key} is {patch}"
        problems.append(f"model.discriminator.input_size = {size} ({where})")
    if problems:
        advice = (
            f"--scale does not change sizes in GT pixels: set them to multiples of {scale} "
            "with --cfg-options"
            if scale_option
            else "To change a config's scale, pass --scale N (it sets them all)"
        )
        raise UsageError(
            f"scale settings disagree with model.generator.upscale_factor = {scale}: "
            + "; ".join(problems)
            + f". {advice}."
        )


def _rescale_name(text: str, old: int, new: int) -> str:
    """``X4`` / ``x4`` / ``LRx4`` tokens of a folder or file template, at the new scale."""
    return re.sub(rf"(?<=[xX]){old}(?!\d)", str(new), text)


def set_scale(cfg: Dict[str, Any], scale: int) -> List[str]:
    """Change every scale setting of ``cfg`` to ``scale``; returns the keys changed.

    Sets ``model.generator.upscale_factor`` and every data set's ``scale``, and renames the
    scale token of LQ folders and file templates (``X4`` -> ``X2``, ``LRx4`` -> ``LRx2``,
    ``{}x4`` -> ``{}x2``). GT crop sizes and the discriminator's input size (both in GT
    pixels) stay; :func:`check_scale` then checks the result.
    """
    model = cfg["model"]
    old = generator_scale(model)
    model.setdefault("generator", {})["upscale_factor"] = scale
    changed = ["model.generator.upscale_factor"]
    degradation = (model.get("data_preprocessor") or {}).get("degradation")
    if isinstance(degradation, dict) and "scale" in degradation:  # Real-ESRGAN's on-the-fly LQ
        degradation["scale"] = scale
        changed.append("model.data_preprocessor.degradation.scale")
    for where, dataset in _dataset_entries(cfg):
        if "scale" in dataset:
            dataset["scale"] = scale
            changed.append(f"{where}.scale")
        for key in ("lq_folder", "filename_tmpl"):
            if isinstance(dataset.get(key), str) and isinstance(old, int):
                renamed = _rescale_name(dataset[key], old, scale)
                if renamed != dataset[key]:
                    dataset[key] = renamed
                    changed.append(f"{where}.{key}")
    return changed
