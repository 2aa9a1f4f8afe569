"""The perception-distortion trade-off of ESRGAN network interpolation (``srzoo pd``).

ESRGAN (Wang et al., ECCV-W 2018, Sec. 3.4 and Fig. 8) blends a PSNR-oriented generator
and a GAN one, ``theta = (1 - alpha) * theta_PSNR + alpha * theta_GAN``, and shows how the
distortion (PSNR / RMSE) and the perceptual quality (the perceptual index, built from NIQE)
trade off as ``alpha`` goes from 0 to 1; Blau and Michaeli (CVPR 2018) showed that no
method can be best at both. This module evaluates the blended generators on a config's
test sets with the same evaluator as ``srzoo test`` (plus NIQE and LPIPS when the config
lacks them), and writes the table and a plot:

- ``perception_distortion.{md,csv,json}``: one row per data set and alpha, plus the
  bicubic row of each data set;
- ``perception_distortion.png``: PSNR against NIQE and against LPIPS, one labelled point
  per alpha, bicubic as a reference point (:mod:`srzoo.evaluation.pd_plot`, the one
  module that imports matplotlib; ``srzoo.evaluation`` itself does not import this module).

At ``alpha = 0`` and ``1`` the blend is exactly the first and the second generator, so those
rows equal ``srzoo test`` of the two checkpoints.
"""

import copy
import math
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from mmengine.config import Config
from mmengine.dist import is_main_process
from mmengine.registry import DefaultScope
from torch import nn

from srzoo.checkpoint import (
    extract_state_dict,
    interpolate_state_dicts,
    load_checkpoint_file,
    load_weights,
)
from srzoo.errors import UsageError
from srzoo.evaluation.evaluate import evaluate_dataset, test_model, test_sets
from srzoo.evaluation.pd_plot import plot_perception_distortion  # matplotlib: only here
from srzoo.evaluation.tables import to_markdown, write_tables

DEFAULT_ALPHAS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
STEM = "perception_distortion"


def parse_alphas(text: str) -> tuple:
    """``'0,0.2,0.5,1'`` -> ``(0.0, 0.2, 0.5, 1.0)``, sorted and without repeats.

    Raises:
        UsageError: an entry that is not a finite number.
    """
    try:
        values = [float(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise UsageError(f"--alphas takes numbers separated by commas, got {text!r}") from None
    if not values or not all(math.isfinite(v) for v in values):
        raise UsageError(f"--alphas takes finite numbers, e.g. 0,0.2,0.5,1; got {text!r}")
    return tuple(sorted(set(values)))


def with_perceptual_metrics(
    evaluator_cfg, alexnet_weights: Optional[str] = None, lin_weights: Optional[str] = None
) -> List[dict]:
    """The config's metrics, plus ``NIQE`` and ``LPIPS`` (same ``crop_border``) if absent."""
    cfgs = evaluator_cfg if isinstance(evaluator_cfg, (list, tuple)) else [evaluator_cfg]
    cfgs = [copy.deepcopy(dict(c)) for c in cfgs]
    types = {c.get("type") for c in cfgs}
    border = next((c["crop_border"] for c in cfgs if "crop_border" in c), 0)
    if "NIQE" not in types:
        cfgs.append(dict(type="NIQE", crop_border=border))
    if "LPIPS" not in types:
        cfgs.append(
            dict(
                type="LPIPS",
                crop_border=border,
                alexnet_weights=alexnet_weights,
                lin_weights=lin_weights,
            )
        )
    return cfgs


def generator_state(path: str, model: nn.Module) -> dict:
    """The generator weights that ``srzoo test`` would evaluate from ``path``: the EMA ones
    when ``model`` has an EMA copy (falling back to the plain ones), else the plain ones."""
    part = "generator_ema" if getattr(model, "generator_ema", None) is not None else "generator"
    return extract_state_dict(load_checkpoint_file(path), part)


def set_generator(model: nn.Module, state: dict, name: str) -> None:
    """Load ``state`` into ``model.generator`` and its EMA copy, if any (strict)."""
    for part in ("generator", "generator_ema"):
        if getattr(model, part, None) is not None:
            load_weights(getattr(model, part), state, prefix=None, name=name)


def evaluate_alphas(
    model: nn.Module, cfg: Config, states: tuple, alphas: Sequence[float], evaluator_cfg: list
) -> tuple:
    """Rows (bicubic, then each alpha, per test set) and the metrics' conventions."""
    rows: List[dict] = []
    conventions: Dict[str, str] = {}
    for entry in test_sets(cfg):
        loader = dict(cfg.test_dataloader, dataset=entry["dataset"])
        for i, alpha in enumerate(alphas):
            state = interpolate_state_dicts(states[0], states[1], alpha)
            set_generator(model, state, name=f"the blend at alpha {alpha:g}")
            with DefaultScope.overwrite_default_scope("srzoo"):
                result = evaluate_dataset(model, loader, evaluator_cfg, with_bicubic=i == 0)
            if result["bicubic"]:
                bicubic = result["bicubic"]
                rows.append(dict(model="bicubic", dataset=entry["name"], alpha=None, **bicubic))
            rows.append(
                dict(
                    model=f"alpha {alpha:g}", dataset=entry["name"], alpha=alpha, **result["model"]
                )
            )
            conventions.update(result["conventions"])
    return rows, conventions


def run_perception_distortion(
    cfg: Config,
    psnr_checkpoint: str,
    gan_checkpoint: str,
    alphas: Sequence[float] = DEFAULT_ALPHAS,
    *,
    alexnet_weights: Optional[str] = None,
    lin_weights: Optional[str] = None,
) -> Dict[str, Path]:
    """Evaluate the blends of two checkpoints on every test set of ``cfg``; write the
    table (Markdown, CSV, JSON) and the PNG plot into ``cfg.work_dir``.

    Args:
        cfg (Config): a config whose generator fits both checkpoints, with its test sets.
        psnr_checkpoint (str): the generator at ``alpha = 0`` (PSNR-oriented).
        gan_checkpoint (str): the generator at ``alpha = 1`` (GAN).
        alphas (Sequence[float]): blend weights. Default: 0, 0.2, ..., 1.
        alexnet_weights (str, optional): AlexNet file for LPIPS when the config has none.
        lin_weights (str, optional): LPIPS linear-layer file when the config has none.

    Returns:
        dict[str, Path]: ``md``, ``csv``, ``json`` and ``png`` (empty on other ranks).

    Raises:
        WeightsError: the checkpoints do not fit the config's generator or each other.
    """
    model = test_model(cfg)
    states = tuple(generator_state(p, model) for p in (psnr_checkpoint, gan_checkpoint))
    evaluator_cfg = with_perceptual_metrics(cfg.test_evaluator, alexnet_weights, lin_weights)
    rows, conventions = evaluate_alphas(model, cfg, states, alphas, evaluator_cfg)
    if not is_main_process():
        return {}
    paths = write_tables(rows, cfg.work_dir, stem=STEM, conventions=conventions)
    paths["png"] = plot_perception_distortion(rows, Path(cfg.work_dir) / f"{STEM}.png", conventions)
    print(to_markdown(rows, conventions))
    return paths
