"""``srzoo degradations CONFIG``: a grid of GT | degraded LQ from the configured pipeline.

Real-ESRGAN users tune the degradation by eye (Wang et al., ICCVW 2021, arXiv 2107.10833).
The command loads the first ``--num`` samples of the training stream exactly as training
would (``ResumableInfiniteSampler`` with the config's ``randomness.seed``, the data set's
pipeline with its per-sample seeds), degrades each with the config's
``RealESRGANPreprocessor`` (on the CPU, without the pool), and writes one row per sample:
the GT crop, then the LQ enlarged with nearest neighbours to the GT's size. Each sample is
a batch of one, so every row shows its own draw of the per-batch parameters (resize, noise
kind, order of the final steps), which are printed with the per-image ones and the kernels.
``tools/show_degradations.py`` is a shim over this command.
"""

import argparse
import itertools
from pathlib import Path
from typing import Any, Dict, List, Tuple

import cv2
import numpy as np
import torch
from mmengine.dataset import default_collate

from srzoo.cli.parsers import cfg_options
from srzoo.datasets.degradations import RealESRGANKernels, TrainingPairPool, draw_batch
from srzoo.datasets.degradations.params import StageDraw
from srzoo.datasets.samplers import ResumableInfiniteSampler
from srzoo.engine.launch import load_config
from srzoo.errors import UsageError
from srzoo.plugins import ensure_plugins
from srzoo.registry import DATASETS, RESTORERS


def describe_kernel(params: Dict[str, Any]) -> str:
    """One kernel's drawn parameters (``RealESRGANKernels``' ``kernel_params`` entry)."""
    kind = params.get("type", "?")
    if kind == "pulse":
        return "none (pulse)"
    if kind == "sinc":
        return f"sinc {params['kernel_size']}px cutoff {params['cutoff']:.3f}"
    text = f"{kind} {params['kernel_size']}px sigma {params['sig_x']:.2f}/{params['sig_y']:.2f}"
    text += f" theta {params['theta']:.2f}"
    return text + (
        f" beta {params['beta']:.2f}" if "generalized" in kind or "plateau" in kind else ""
    )


def describe_stage(stage: StageDraw, kernel: Dict[str, Any], jpeg: bool) -> str:
    """Blur, resize, noise (and JPEG) of one stage for image 0 of its batch."""
    blur = describe_kernel(kernel) if stage.blur else "no blur"
    if stage.gaussian:
        noise = f"gaussian sigma {stage.sigma[0]:.1f}"
    else:
        noise = f"poisson scale {stage.poisson_scale[0]:.2f}"
    noise += " grey" if stage.gray[0] else " colour"
    text = f"blur {blur}; resize {stage.direction} x{stage.scale:.2f} {stage.mode}; {noise}"
    return text + (f"; jpeg q{stage.jpeg_quality[0]:.0f}" if jpeg else "")


def describe(index: int, seed: int, path: str, kernels: Dict[str, Any], draw: Any) -> str:
    """The printed line(s) of one sample: its seed, file and every drawn parameter."""
    final = [f"resize {draw.final_mode}", describe_kernel(kernels["sinc_kernel"])]
    jpeg = f"jpeg q{draw.second.jpeg_quality[0]:.0f}"
    order = [*final, jpeg] if draw.sinc_first else [jpeg, *final]
    return (
        f"#{index} seed {seed} {path}\n"
        f"  stage 1: {describe_stage(draw.first, kernels['kernel1'], jpeg=True)}\n"
        f"  stage 2: {describe_stage(draw.second, kernels['kernel2'], jpeg=False)}\n"
        f"  final: {' -> '.join(order)}"
    )


def _to_bgr(img: torch.Tensor) -> np.ndarray:
    """(C, H, W) RGB in [0, 1] -> (H, W, 3) uint8 BGR."""
    arr = (img.float().clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()
    return cv2.cvtColor(np.ascontiguousarray(arr), cv2.COLOR_RGB2BGR)


def _kernel_transform(dataset: Any) -> RealESRGANKernels:
    found = [t for t in dataset.pipeline.transforms if isinstance(t, RealESRGANKernels)]
    if not found:
        raise UsageError("the training pipeline has no RealESRGANKernels step")
    return found[0]


def preview(cfg: Any, num: int, seed: int) -> Tuple[np.ndarray, List[str]]:
    """The GT | LQ grid (BGR uint8, ``num`` rows) and the parameter lines of ``cfg``.

    Raises:
        UsageError: The model does not degrade on the device (no ``RealESRGANPreprocessor``)
            or the pipeline draws no kernels.
    """
    pre = RESTORERS.build(cfg.model.get("data_preprocessor") or dict(type="SRDataPreprocessor"))
    if not hasattr(pre, "degrade"):
        raise UsageError(
            f"{cfg.filename}: model.data_preprocessor is {type(pre).__name__}; the preview "
            "needs RealESRGANPreprocessor (training batches degraded on the device)"
        )
    pre.degradation.pool = TrainingPairPool(0)  # one image at a time, as drawn
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    kernels = _kernel_transform(dataset)
    sampler = ResumableInfiniteSampler(dataset, shuffle=True, seed=seed)
    rows, lines = [], []
    for i, index in enumerate(itertools.islice(iter(sampler), num)):
        item = dataset[index]
        out = pre(default_collate([item]), True)
        gt = _to_bgr(out["data_samples"][0].gt_img)
        lq = cv2.resize(_to_bgr(out["inputs"][0]), gt.shape[1::-1], interpolation=cv2.INTER_NEAREST)
        cv2.putText(lq, f"#{i}", (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 255, 255), 1)
        rows.append(np.concatenate([gt, lq], axis=1))
        drawn = kernels(dict(sample_seed=index.sample_seed))["kernel_params"]
        draw = draw_batch([index.sample_seed], pre.degradation.first, pre.degradation.second)
        path = str(item["data_samples"].metainfo.get("gt_path"))
        lines.append(describe(i, index.sample_seed, path, drawn, draw))
    return np.concatenate(rows, axis=0), lines


def run(args: argparse.Namespace) -> int:
    """Write the grid, print the drawn parameters."""
    ensure_plugins()
    if args.num < 1:
        raise UsageError(f"--num must be at least 1, got {args.num}")
    cfg = load_config(args.config, cfg_options(args.cfg_options), None, args.scale)
    seed = args.seed if args.seed is not None else cfg.get("randomness", {}).get("seed", 0)
    with torch.no_grad():
        grid, lines = preview(cfg, args.num, int(seed or 0))
    out = Path(args.out or Path("work_dirs") / Path(args.config).stem / "degradations.png")
    out.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(out), grid):
        raise UsageError(f"could not write {out} (unknown image extension?)")
    print("\n".join(lines))
    print(f"wrote {out}: {args.num} rows of GT | LQ (nearest x{pre_scale(cfg)})")
    return 0


def pre_scale(cfg: Any) -> int:
    """The degradation's scale in ``cfg`` (for the message)."""
    degradation = (cfg.model.get("data_preprocessor") or {}).get("degradation") or {}
    return int(degradation.get("scale", 4))
