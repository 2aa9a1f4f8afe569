"""Every file a run needs, checked once before anything is built, and reported together.

Without this a run fails on its first missing prerequisite, then on the next after that is
fixed, and under ``torchrun`` each message is printed once per process and buried under the
launcher's traceback. :func:`check_prerequisites` lists **every** missing data folder,
weights file and pretrained checkpoint in one message, each with its config key and the
fix. ``srzoo train --check`` runs only this check; ``tools/dist_train.sh`` runs it once
before it starts any process.
"""

import os
from pathlib import Path
from typing import Any, Iterator, List, Mapping, Optional, Tuple

from srzoo.checkpoint import resolve_checkpoint
from srzoo.datasets.folder_index import README_HINT, missing_folders, resolve
from srzoo.errors import PrerequisiteError
from srzoo.models.losses.vgg import resolve_vgg19_weights

DATA_HINT = README_HINT + " and docs/datasets.md, or point {key} at your folder"
RELEASED_SUFFIXES = (".pth", ".pt", ".ckpt", ".safetensors", ".bin")


def _datasets(cfg: Mapping[str, Any], training: bool) -> Iterator[Tuple[str, Mapping]]:
    """(config key, dataset config) of every data set the run reads."""
    loaders = ("train_dataloader", "val_dataloader") if training else ()
    for name in loaders:
        dataset = (cfg.get(name) or {}).get("dataset")
        if isinstance(dataset, Mapping):
            yield f"{name}.dataset", dataset
    if not training:
        for index, entry in enumerate(cfg.get("test_datasets") or []):
            yield f"test_datasets[{index}].dataset", entry["dataset"]


def _data_hint(cfg: Mapping[str, Any], key: str) -> str:
    """Where to read how the data is laid out, the config family's README too if it has one."""
    filename = getattr(cfg, "filename", None)
    readme = Path(filename).parent / "README.md" if filename else None
    if readme is not None and readme.is_file() and readme.parent.name != "configs":
        return f"{README_HINT}, docs/datasets.md and {readme.as_posix()}, or point {key} at it"
    return DATA_HINT.format(key=key)


def data_problems(cfg: Mapping[str, Any], training: bool = True) -> List[str]:
    """A line per missing data folder (keys ending in ``_folder``) or ``meta_info_file`` of
    the run's data sets."""
    problems = []
    for where, dataset in _datasets(cfg, training):
        root = dataset.get("data_root") or ""
        for key, folder in missing_folders(dataset):
            hint = _data_hint(cfg, f"{where}.data_root" if root else f"{where}.{key}")
            problems.append(
                f"{where}.{key}: folder '{os.path.normpath(folder)}' does not exist; {hint}"
            )
        meta = resolve(root, dataset.get("meta_info_file"))
        if meta and not os.path.isfile(meta):
            hint = _data_hint(cfg, f"{where}.meta_info_file")
            problems.append(f"{where}.meta_info_file: file '{meta}' does not exist; {hint}")
    return problems


def weights_problems(model: Mapping[str, Any]) -> List[str]:
    """A line for a missing VGG19 weights file of the perceptual loss."""
    percep = model.get("perceptual_loss")
    if not isinstance(percep, Mapping):
        return []
    pretrained = percep.get("pretrained", "torchvision")
    try:
        resolve_vgg19_weights(pretrained)
    except FileNotFoundError as err:  # its message says where the file goes and how to skip it
        return [f"model.perceptual_loss.pretrained: {err}"]
    return []


def checkpoint_problems(model: Mapping[str, Any], load_from: Optional[str]) -> List[str]:
    """Lines for a missing ``model.pretrained.path`` and a missing ``load_from``."""
    problems = []
    pretrained = model.get("pretrained")
    path = pretrained.get("path") if isinstance(pretrained, Mapping) else None
    if path and not _checkpoint_exists(path):
        if Path(path).suffix in RELEASED_SUFFIXES:  # a released file, not a work dir
            why = "This stage starts from released weights: put the file there"
        else:
            why = (
                "This stage starts from an earlier one (e.g. ESRGAN from the PSNR-oriented "
                "RRDBNet): train that config first"
            )
        problems.append(
            f"model.pretrained.path: checkpoint not found: {path}. {why}, or set "
            "model.pretrained.path=<a checkpoint or work dir>, or model.pretrained=None to "
            "start from random weights."
        )
    if load_from and not _checkpoint_exists(load_from):
        problems.append(f"load_from / --resume: checkpoint not found: {load_from}.")
    return problems


def _checkpoint_exists(path: str) -> bool:
    try:
        return Path(resolve_checkpoint(path)).is_file()
    except FileNotFoundError:
        return False


def check_prerequisites(cfg: Mapping[str, Any], *, training: bool = True) -> None:
    """Raise one error listing every missing prerequisite of a run of ``cfg``.

    Args:
        cfg: The loaded config.
        training: Check what ``srzoo train`` needs (training and validation data, VGG19
            weights, the pretrained checkpoint); else what ``srzoo test`` needs (the test
            sets only). Default: True.

    Raises:
        PrerequisiteError: one line per missing item, with its config key and the fix.
    """
    model = cfg.get("model") or {}
    problems = data_problems(cfg, training)
    if training:
        problems += weights_problems(model)
        problems += checkpoint_problems(model, cfg.get("load_from"))
    if problems:
        count = f"{len(problems)} missing prerequisite{'s' if len(problems) > 1 else ''}"
        raise PrerequisiteError(f"{count}:\n" + "\n".join(f"  - {p}" for p in problems))
