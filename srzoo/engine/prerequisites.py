"""Every file a run needs, checked once before anything is built, and reported together.

Without this a run fails on its first missing prerequisite, then on the next after that is
fixed, and under ``torchrun`` each message is printed once per process and buried under the
launcher's traceback. :func:`check_prerequisites` lists **every** missing data folder,
weights file and pretrained checkpoint in one message, each with its config key and the
fix. ``srzoo train --check`` runs only this check; ``tools/dist_train.sh`` runs it once
before it starts any process.
"""

from pathlib import Path
from typing import Any, Iterator, List, Mapping, Optional, Tuple

from srzoo.checkpoint import resolve_checkpoint
from srzoo.datasets.folder_index import README_HINT, missing_folders
from srzoo.errors import PrerequisiteError
from srzoo.models.losses.vgg import resolve_vgg19_weights

DATA_HINT = README_HINT + " and docs/datasets.md, or point {key} at your folder"


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


def data_problems(cfg: Mapping[str, Any], training: bool = True) -> List[str]:
    """A line per missing data folder (keys ending in ``_folder``) of the run's data sets."""
    problems = []
    for where, dataset in _datasets(cfg, training):
        for key, folder in missing_folders(dataset):
            root_key = f"{where}.data_root" if dataset.get("data_root") else f"{where}.{key}"
            hint = DATA_HINT.format(key=root_key)
            problems.append(f"{where}.{key}: folder '{folder}' does not exist; {hint}")
    return problems


def weights_problems(model: Mapping[str, Any]) -> List[str]:
    """A line for a missing VGG19 weights file of the perceptual loss."""
    percep = model.get("perceptual_loss")
    if not isinstance(percep, Mapping):
        return []
    pretrained = percep.get("pretrained", "torchvision")
    try:
        resolve_vgg19_weights(pretrained)
    except FileNotFoundError as err:
        key = "model.perceptual_loss.pretrained"
        return [
            f"{key}: {err} Set it with --cfg-options {key}=/path/vgg19-dcbb9e9d.pth, or "
            f"{key}=None for random VGG19 weights (tests and demos only)."
        ]
    return []


def checkpoint_problems(model: Mapping[str, Any], load_from: Optional[str]) -> List[str]:
    """Lines for a missing ``model.pretrained.path`` and a missing ``load_from``."""
    problems = []
    pretrained = model.get("pretrained")
    path = pretrained.get("path") if isinstance(pretrained, Mapping) else None
    if path and not _checkpoint_exists(path):
        problems.append(
            f"model.pretrained.path: checkpoint not found: {path}. This stage starts from an "
            "earlier one (e.g. ESRGAN from the PSNR-oriented RRDBNet): train that config "
            "first, or set model.pretrained.path=<its checkpoint or work dir>, or "
            "model.pretrained=None to start from random weights."
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
