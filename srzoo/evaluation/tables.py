"""Benchmark tables: write Markdown / CSV / JSON, merge runs, and the bicubic baseline.

A table is a list of row dicts, each with ``dataset``, ``model`` and metric columns
(``PSNR``, ``SSIM``, ``PSNR_Y``, ``SSIM_Y``, ...). ``compare_tables`` merges several
runs into one models-by-datasets table and puts the published reference value and
our difference beside each metric: columns ``PSNR_Y``, ``PSNR_Y (ref)``,
``PSNR_Y (diff)``.

``conventions`` (column -> how it was computed, from each metric's ``conventions()``) label
the Markdown and CSV headers, e.g. ``NIQE [Y BT.601, border 4, 96px blocks]``, and are kept
in the JSON under ``"conventions"``. A value that could not be computed is a string saying
why (``n/a: no AlexNet weights at ...``), never a blank.
"""

import csv
import json
import math
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from srzoo.datasets.imresize import imresize, round_half_away
from srzoo.evaluation.functional import psnr, ssim

Row = Dict[str, Any]
Conventions = Dict[str, str]
References = Dict[str, Dict[str, Dict[str, float]]]
_LEAD = ("model", "dataset")
NOTE_AFTER = 24  # characters: a longer n/a reason becomes a note under the Markdown table


def table_columns(rows: Sequence[Row]) -> List[str]:
    """Column order: ``model``, ``dataset``, then other keys in order of first appearance."""
    seen: List[str] = [c for c in _LEAD if any(c in r for r in rows)]
    for row in rows:
        seen.extend(k for k in row if k not in seen)
    return seen


def _fmt(value: Any, column: str) -> str:
    """Format one Markdown cell: 4 decimals, signed for differences, blank for None/NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:+.4f}" if column.endswith("(diff)") else f"{value:.4f}"
    return str(value)


def header(column: str, conventions: Optional[Conventions] = None) -> str:
    """``column``, labelled with its convention when known: ``NIQE [Y BT.601, border 4]``."""
    convention = (conventions or {}).get(column)
    return f"{column} [{convention}]" if convention else column


def to_markdown(rows: Sequence[Row], conventions: Optional[Conventions] = None) -> str:
    """Render rows as a GitHub Markdown table (one header line, one line per row).

    A long ``n/a: <reason>`` cell (a metric that could not be computed, a set that is
    missing) reads ``n/a [k]``, and the reasons follow the table once each as ``[k] n/a:
    <reason>``; CSV and JSON keep the reason in every cell.

    Args:
        rows (Sequence[dict]): table rows.
        conventions (dict, optional): column -> convention, shown in the header.
    """
    cols = table_columns(rows)
    names = [header(c, conventions) for c in cols]
    lines = ["| " + " | ".join(names) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    notes: List[str] = []
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(c), c, notes) for c in cols) + " |")
    if notes:
        lines += [""] + [f"[{k}] {note}" for k, note in enumerate(notes, 1)]
    return "\n".join(lines) + "\n"


def _cell(value: Any, column: str, notes: List[str]) -> str:
    """One Markdown cell; a long ``n/a: ...`` text becomes ``n/a [k]``, k its place in notes."""
    text = _fmt(value, column)
    if not (text.startswith("n/a: ") and len(text) > NOTE_AFTER):
        return text
    if text not in notes:
        notes.append(text)
    return f"n/a [{notes.index(text) + 1}]"


def _json_safe(value: Any) -> Any:
    """Replace NaN/inf by None and numpy scalars by Python numbers for JSON."""
    if isinstance(value, (np.floating, np.integer)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_tables(
    rows: Sequence[Row],
    out_dir: Union[str, Path],
    stem: str = "benchmark",
    conventions: Optional[Conventions] = None,
    caption: Sequence[str] = (),
) -> Dict[str, Path]:
    """Write ``rows`` as ``<stem>.md``, ``<stem>.csv`` and ``<stem>.json`` in ``out_dir``.

    Args:
        rows (Sequence[dict]): table rows (``dataset``, ``model``, metric columns).
        out_dir (str | Path): folder, created if needed.
        stem (str): file name without extension. Default: ``'benchmark'``.
        conventions (dict, optional): column -> convention; labels the Markdown and CSV
            headers and is stored in the JSON. Default: None.
        caption (Sequence[str]): lines above the Markdown table (which checkpoint, scale,
            caveats), also stored in the JSON. Default: none.

    Returns:
        dict[str, Path]: ``{'md': ..., 'csv': ..., 'json': ...}``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cols = table_columns(rows)
    paths = {ext: out / f"{stem}.{ext}" for ext in ("md", "csv", "json")}
    lead = "".join(f"{line}\n" for line in caption) + ("\n" if caption else "")
    paths["md"].write_text(lead + to_markdown(rows, conventions), encoding="utf-8")
    with open(paths["csv"], "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([header(c, conventions) for c in cols])
        writer.writerows([[_json_safe(r.get(c)) for c in cols] for r in rows])
    payload = {"columns": cols, "rows": [{k: _json_safe(v) for k, v in r.items()} for r in rows]}
    if conventions:
        payload["conventions"] = {k: v for k, v in conventions.items() if k in cols}
    if caption:
        payload["caption"] = list(caption)
    paths["json"].write_text(json.dumps(payload, indent=1), encoding="utf-8")
    return paths


def run_conventions(runs: Sequence[Union[str, Path, dict, list]]) -> Conventions:
    """The ``conventions`` stored in runs' ``write_tables`` JSON files (first one wins)."""
    merged: Conventions = {}
    for run in runs:
        path = Path(run) if isinstance(run, (str, Path)) else None
        if path is not None and path.is_dir():
            path = path / "benchmark.json"
        if path is not None and path.is_file():
            stored = json.loads(path.read_text(encoding="utf-8")).get("conventions") or {}
            for key, value in stored.items():
                merged.setdefault(key, value)
        elif isinstance(run, dict):
            for key, value in (run.get("conventions") or {}).items():
                merged.setdefault(key, value)
    return merged


def _load_run(run: Union[str, Path, dict, list]) -> List[Row]:
    """Rows of one run: a ``write_tables`` JSON file or its folder, a dict, or a row list."""
    model = None
    if isinstance(run, (str, Path)):
        path = Path(run)
        if path.is_dir():
            path = path / "benchmark.json"
        if not path.is_file():
            raise FileNotFoundError(
                f"benchmark table '{path}' not found (write it with tools/test.py)"
            )
        model = path.parent.name
        run = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(run, dict):
        model = run.get("model", model)
        run = run.get("rows", [])
    rows = [dict(r) for r in run]
    for row in rows:
        if "dataset" not in row:
            raise ValueError(f"table row without a 'dataset' column: {row}")
        row.setdefault("model", model or "model")
    return rows


def compare_tables(
    runs: Sequence[Union[str, Path, dict, list]], references: Optional[References] = None
) -> List[Row]:
    """Merge runs into one models-by-datasets table, with reference values and differences.

    Args:
        runs (Sequence): each a ``write_tables`` JSON path (or its folder; the model
            name defaults to the folder name), a dict ``{'model': str, 'rows': [...]}``,
            or a list of rows.
        references (dict, optional): published values,
            ``{model: {dataset: {'PSNR_Y': x, 'SSIM_Y': y}}}``. Default: None.

    Returns:
        list[dict]: every row of every run, none dropped, except a row equal in every
        column to one already merged (e.g. the bicubic row of each run of one test set),
        which is kept once. Another row of a (model, dataset) pair seen in an earlier run
        is renamed ``<model> (<run folder>)`` (or ``#2``, ``#3`` ...), with
        ``<metric> (ref)`` and ``<metric> (diff)`` (ours - ref) beside each referenced
        metric (looked up under the model's own name).
    """
    merged: Dict[tuple, Tuple[str, Row]] = {}
    for run in runs:
        label = Path(run).name if isinstance(run, (str, Path)) else None
        for row in _load_run(run):
            model = row["model"]
            if merged.get((model, row["dataset"]), (None, None))[1] == row:
                continue  # the same result again, not a different one under the same name
            if (model, row["dataset"]) in merged and label:
                model = f"{model} ({label})"
            base, count = model, 2
            while (model, row["dataset"]) in merged:
                model, count = f"{base} #{count}", count + 1
            merged[(model, row["dataset"])] = (row["model"], row)
    out = []
    for (model, dataset), (own_name, row) in merged.items():
        ref = ((references or {}).get(own_name) or {}).get(dataset) or {}
        new: Row = {"model": model, "dataset": dataset}
        for key, value in row.items():
            if key in _LEAD:
                continue
            new[key] = value
            if key in ref:
                new[f"{key} (ref)"] = ref[key]
                numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
                new[f"{key} (diff)"] = float(value) - float(ref[key]) if numeric else None
        out.append(new)
    return out


def bicubic_pair(lq: np.ndarray, gt: np.ndarray, scale: int) -> Tuple[np.ndarray, np.ndarray]:
    """MATLAB-bicubic upscaling of ``lq`` as uint8, and ``gt`` cropped to its size.

    Args:
        lq (np.ndarray): (h, w, C) LR image, uint8 or float on [0, 255].
        gt (np.ndarray): (H, W, C) GT with ``H >= h * scale`` and ``W >= w * scale``.
        scale (int): upscaling factor.

    Returns:
        tuple: (upscaled (h * scale, w * scale, C) uint8, cropped GT).

    Raises:
        ValueError: ``gt`` is smaller than ``lq`` x ``scale``.
    """
    up = imresize(np.asarray(lq, dtype=np.float64), float(scale))
    up = np.clip(round_half_away(up), 0, 255).astype(np.uint8)  # MATLAB's uint8 rounding
    h, w = up.shape[:2]
    if gt.shape[0] < h or gt.shape[1] < w:
        raise ValueError(f"GT {gt.shape[:2]} is smaller than LQ {lq.shape[:2]} x {scale}")
    return up, gt[:h, :w, ...]


def bicubic_baseline(
    lq: np.ndarray, gt: np.ndarray, scale: int, crop_border: Optional[int] = None
) -> Dict[str, float]:
    """Metrics of MATLAB-bicubic upscaling of ``lq`` against ``gt`` (the "bicubic" row).

    Args:
        lq (np.ndarray): (h, w, C) LR image, uint8 or float on [0, 255].
        gt (np.ndarray): (H, W, C) GT, uint8 or float on [0, 255]; mod-cropped to
            ``h * scale x w * scale`` when larger.
        scale (int): upscaling factor.
        crop_border (int, optional): border to ignore. Default: ``scale``.

    Returns:
        dict[str, float]: ``PSNR``, ``SSIM``, ``PSNR_Y``, ``SSIM_Y``.

    Raises:
        ValueError: ``gt`` is smaller than ``lq`` x ``scale``.
    """
    up, gt = bicubic_pair(lq, gt, scale)
    border = scale if crop_border is None else crop_border
    return {
        "PSNR": psnr(up, gt, crop_border=border),
        "SSIM": ssim(up, gt, crop_border=border),
        "PSNR_Y": psnr(up, gt, crop_border=border, y_channel=True),
        "SSIM_Y": ssim(up, gt, crop_border=border, y_channel=True),
    }
