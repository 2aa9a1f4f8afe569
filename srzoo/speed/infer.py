"""Inference speed and peak memory for ``srzoo speed``, one subprocess per variant.

Each variant (``fp32``, ``bf16+cl``, ``fp32+compile``, ``fp32+tile`` ...) runs in a fresh
spawned process, so that one variant's caches, compiled code and heap do not skew the
next. The generator runs through :func:`srzoo.apis.tiling.tiled_forward`, the code path
of ``Upscaler`` (whole image, or tiles when the variant says ``tile``).

Peak memory: on GPU, ``torch.cuda.max_memory_allocated`` above the memory held before the
first call. On CPU, the peak resident set size above the resident size before the first
call: Linux's peak (``VmHWM``) is reset through ``/proc/self/clear_refs``, or else the
process's ``ru_maxrss`` stands in (then the figure is a lower bound).
"""

import multiprocessing
import os
import statistics
from concurrent.futures import ProcessPoolExecutor
from typing import Optional

import numpy as np
import torch

from srzoo.apis.tiling import tiled_forward
from srzoo.models.restorers.acceleration import use_channels_last
from srzoo.registry import BACKBONES
from srzoo.speed.common import now, parse_variant


def _status_kib(field: str) -> Optional[int]:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_rss_kib() -> int:
    import resource

    peak = _status_kib("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class _MemoryProbe:
    """Peak memory above the level at ``start()``, in MiB, on the CPU or a CUDA device."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.base = 0

    def start(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
            self.base = torch.cuda.memory_allocated(self.device)
        else:
            _reset_peak_rss()
            self.base = _status_kib("VmRSS") or _peak_rss_kib()

    def peak_mib(self) -> float:
        if self.device.type == "cuda":
            return (torch.cuda.max_memory_allocated(self.device) - self.base) / 2**20
        return max(0, _peak_rss_kib() - self.base) / 1024


def _prepare(spec: dict, device: torch.device):
    variant = parse_variant(spec["variant"])
    torch.manual_seed(0)
    model = BACKBONES.build(spec["generator"]).eval().requires_grad_(False)
    model = model.to(device=device, dtype=variant.torch_dtype)
    if variant.channels_last:
        use_channels_last(model)
    if variant.compile:
        model = torch.compile(model, **spec.get("compile_options", {}))
    size = spec["size"]
    x = torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(0))
    return variant, model, x


def run_variant(spec: dict) -> dict:
    """Time one variant (in this process); see the module docstring.

    Args:
        spec (dict): ``variant`` (text), ``generator`` (config), ``scale``, ``size`` (LR
            side), ``tile``, ``overlap`` (body px), ``repeats``, ``threads``, ``device``, and
            optionally ``align`` and ``body_stride`` (the contract's) and ``compile_options``.

    Returns:
        dict: ``ms`` (median), ``ms_per_mp`` (per output megapixel), ``first_s`` (first
        call, compilation included), ``peak_mib``, ``pid`` (the process that ran it) and
        ``out`` (the SR image, float32, not clamped: an untrained network's output may lie
        outside [0, 1]).
    """
    torch.set_num_threads(spec["threads"])
    device = torch.device(spec["device"])
    variant, model, x = _prepare(spec, device)
    tile = spec["tile"] if variant.tile == -1 else variant.tile

    def call() -> torch.Tensor:
        return tiled_forward(
            model,
            x,
            scale=spec["scale"],
            tile=tile,
            overlap=spec["overlap"],
            device=device,
            dtype=variant.torch_dtype,
            align=spec.get("align", 1),
            body_stride=spec.get("body_stride"),
        )

    probe = _MemoryProbe(device)
    probe.start()
    start = now(device)
    out = call()
    first = now(device) - start
    times = []
    for _ in range(spec["repeats"]):
        start = now(device)
        out = call()
        times.append(now(device) - start)
    megapixels = out.shape[-1] * out.shape[-2] / 1e6
    ms = 1000.0 * statistics.median(times)
    return dict(
        variant=variant.name,
        ms=ms,
        ms_per_mp=ms / megapixels,
        first_s=first,
        peak_mib=probe.peak_mib(),
        pid=os.getpid(),
        out=out[0].numpy(),
    )


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two images with peak 1 (inf when equal)."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(1.0 / mse)


def measure_inference(specs: list[dict], isolate: bool = True) -> list[dict]:
    """Run each spec (see :func:`run_variant`), each in its own spawned process.

    Adds ``psnr_vs_first``: the PSNR of each output against the first variant's.
    """
    results = []
    for spec in specs:
        if isolate:
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
                results.append(pool.submit(run_variant, spec).result())
        else:
            results.append(run_variant(spec))
    reference = results[0]["out"] if results else None
    for row in results:
        row["psnr_vs_first"] = psnr(row.pop("out"), reference)
    return results
