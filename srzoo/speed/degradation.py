"""Real-ESRGAN's degradation in ``srzoo speed``: images per second on the device.

For a config whose model degrades its training batches on the device
(``RealESRGANPreprocessor``, Wang et al., ICCVW 2021, arXiv 2107.10833), the benchmark times
the preprocessor alone on packed GT batches (crop-pad size of the pipeline, 400 for
x4plus; the configured ``gt_size`` crop after the degradation, 256) and the per-image
kernel sampling that the data workers run, and reports both beside the training step.
Without the config's data set, training is timed on the same synthetic packed batches.
"""

import copy
import itertools
from typing import Any, Iterator, Optional

import numpy as np
import torch
from torch import nn

from srzoo.datasets.degradations import PackRealESRGANInputs, RealESRGANKernels
from srzoo.registry import RESTORERS, TRANSFORMS
from srzoo.speed.common import median_ms, now

DEGRADATION_HEADERS = ["batch", "GT in", "GT out", "ms / batch", "images/s"]
DEGRADATION_HEADERS += ["kernel sampling images/s (1 worker)"]


def _pipeline(cfg: Any) -> list:
    return list(((cfg.get("train_dataloader") or {}).get("dataset") or {}).get("pipeline") or [])


def degrading_preprocessor(cfg: Any) -> Optional[nn.Module]:
    """The config's data preprocessor when it degrades training batches, else None."""
    pre_cfg = cfg.model.get("data_preprocessor")
    if not pre_cfg:
        return None
    pre = RESTORERS.build(copy.deepcopy(pre_cfg))
    return pre if hasattr(pre, "degrade") else None


def crop_pad_size(cfg: Any) -> int:
    """Side of the GT patches the pipeline packs (``RandomCropPadGT``; 400 if absent)."""
    sizes = [s.get("size", 400) for s in _pipeline(cfg) if s.get("type") == "RandomCropPadGT"]
    return int(sizes[0]) if sizes else 400


def _kernel_sampler(cfg: Any) -> RealESRGANKernels:
    steps = [s for s in _pipeline(cfg) if s.get("type") == "RealESRGANKernels"]
    return TRANSFORMS.build(copy.deepcopy(steps[0])) if steps else RealESRGANKernels()


def packed_gt_batches(cfg: Any, batch_size: int, seed: int = 0) -> Iterator[dict]:
    """Endless batches as ``PackRealESRGANInputs`` makes them: random GT patches of
    :func:`crop_pad_size`, the config's kernels, one sample seed per position."""
    size, kernels, pack = crop_pad_size(cfg), _kernel_sampler(cfg), PackRealESRGANInputs()
    rng = np.random.default_rng(seed)
    positions = itertools.count()
    while True:
        items = []
        for position in itertools.islice(positions, batch_size):
            gt = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
            items.append(pack(kernels(dict(gt=gt, sample_seed=seed * 1_000_003 + position))))
        yield dict(
            inputs=[i["inputs"] for i in items], data_samples=[i["data_samples"] for i in items]
        )


def measure_degradation(
    cfg: Any, device: torch.device, *, batch_size: int, iters: int, warmup: int
) -> Optional[dict]:
    """Median time of the preprocessor on one batch (device copy included), and kernel
    sampling per image on the CPU; None when the config does not degrade on the device.

    Returns:
        dict: ``batch``, ``gt_in``, ``gt_out``, ``ms``, ``images_per_s``,
        ``kernels_per_s``.
    """
    pre = degrading_preprocessor(cfg)
    if pre is None:
        return None
    pre = pre.to(device)
    batches = packed_gt_batches(cfg, batch_size)
    times = []
    with torch.no_grad():
        for i in range(warmup + max(1, iters)):
            batch = next(batches)
            start = now(device)
            pre(batch, True)
            if i >= warmup:
                times.append(now(device) - start)
    kernels = _kernel_sampler(cfg)
    start = now(torch.device("cpu"))
    for position in range(4 * batch_size):
        kernels(dict(sample_seed=position))
    kernel_s = (now(torch.device("cpu")) - start) / (4 * batch_size)
    ms = median_ms(times)
    return dict(
        batch=batch_size,
        gt_in=crop_pad_size(cfg),
        gt_out=int(pre.degradation.gt_size),
        ms=ms,
        images_per_s=1000.0 * batch_size / ms,
        kernels_per_s=1.0 / kernel_s,
    )


def degradation_row(result: dict) -> list:
    """The row of :data:`DEGRADATION_HEADERS` for :func:`measure_degradation`'s result."""
    return [
        result["batch"],
        f"{result['gt_in']}²",
        f"{result['gt_out']}²",
        result["ms"],
        result["images_per_s"],
        result["kernels_per_s"],
    ]
