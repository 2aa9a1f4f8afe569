"""Shared pieces of the speed benchmark (``srzoo speed``): variants, machine, tables."""

import os
import platform
import re
import statistics
import time
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

import torch

from srzoo.utils.names import PRECISIONS

# Precision token -> autocast dtype name (None: float32, no autocast).
DTYPE_TOKENS = {
    name: None if dtype == torch.float32 else str(dtype).replace("torch.", "")
    for name, dtype in PRECISIONS.items()
}
FLAG_TOKENS = ("cl", "compile", "tile")


@dataclass(frozen=True)
class Variant:
    """One benchmarked setting, written like ``bf16+cl``, ``fp32+compile`` or ``fp32+tile``.

    Attributes:
        name (str): The text it was parsed from.
        dtype (str | None): ``'bfloat16'``, ``'float16'`` or None (float32).
        channels_last (bool): ``cl``: channels-last weights and inputs.
        compile (bool): ``compile``: ``torch.compile``.
        tile (int): ``tile``: tiled inference with the run's tile size (-1), ``tile128``:
            with 128-pixel tiles; 0: whole images (inference only).
    """

    name: str
    dtype: Optional[str] = None
    channels_last: bool = False
    compile: bool = False
    tile: int = 0

    @property
    def torch_dtype(self) -> torch.dtype:
        """The dtype as a ``torch.dtype`` (float32 when ``dtype`` is None)."""
        return getattr(torch, self.dtype) if self.dtype else torch.float32


def parse_variant(text: str) -> Variant:
    """Parse ``'bf16+cl'``-style text: one of fp32/bf16/fp16 plus any of cl, compile, tile[N].

    Raises:
        ValueError: An unknown token, or no precision token.
    """
    tokens = [t.strip().lower() for t in text.split("+") if t.strip()]
    tiles = [t for t in tokens if re.fullmatch(r"tile\d+", t)]
    tokens = [t for t in tokens if t not in tiles] + (["tile"] if tiles else [])
    dtypes = [t for t in tokens if t in DTYPE_TOKENS]
    unknown = [t for t in tokens if t not in DTYPE_TOKENS and t not in FLAG_TOKENS]
    if unknown or len(dtypes) != 1:
        raise ValueError(
            f"bad variant {text!r}: write one of {sorted(DTYPE_TOKENS)} joined by '+' with any "
            f"of {list(FLAG_TOKENS)}, e.g. 'bf16+cl'"
        )
    flags = {t: t in tokens for t in FLAG_TOKENS}
    return Variant(
        name=text.strip(),
        dtype=DTYPE_TOKENS[dtypes[0]],
        channels_last=flags["cl"],
        compile=flags["compile"],
        tile=int(tiles[0][4:]) if tiles else -flags["tile"],
    )


def parse_variants(text: str) -> list[Variant]:
    """Comma-separated variants, e.g. ``'fp32,bf16+cl'``."""
    return [parse_variant(t) for t in text.split(",") if t.strip()]


def sync(device: torch.device) -> None:
    """Wait for queued device work, so wall-clock times cover it (no-op on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def now(device: torch.device) -> float:
    """``time.perf_counter()`` after :func:`sync`."""
    sync(device)
    return time.perf_counter()


def median_ms(seconds: Sequence[float]) -> float:
    """Median of ``seconds`` in milliseconds (0 for an empty list)."""
    return 1000.0 * statistics.median(seconds) if seconds else 0.0


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
    except OSError:
        return platform.processor() or "unknown CPU"
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    flags = re.search(r"^flags\s*:\s*(.+)$", text, re.MULTILINE)
    names = set(flags.group(1).split()) if flags else set()
    native = [f for f in ("avx512_bf16", "amx_bf16", "avx512f") if f in names]
    model = match.group(1).strip() if match else "unknown CPU"
    return f"{model} ({', '.join(native) or 'no avx512/amx'})"


def machine_description(device: torch.device) -> dict:
    """CPU model and bf16 flags, cores, threads, torch/mmengine versions, GPU name."""
    import mmengine

    info = dict(
        cpu=_cpu_model(),
        cores=os.cpu_count(),
        torch_threads=torch.get_num_threads(),
        torch=torch.__version__,
        mmengine=mmengine.__version__,
        python=platform.python_version(),
        device=str(device),
    )
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
    return info


def load_average() -> str:
    """``/proc/loadavg``'s 1/5/15-minute averages (other work on the machine skews times)."""
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "n/a"


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A GitHub Markdown table; floats get 3 significant decimals."""

    def cell(value) -> str:
        if isinstance(value, float):
            return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
        return "-" if value is None else str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
