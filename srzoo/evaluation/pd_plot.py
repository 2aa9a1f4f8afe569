"""The perception-distortion plot (matplotlib, Agg canvas; imported only to draw it).

One row of panels per data set: PSNR against NIQE, and PSNR against LPIPS (a metric with no
value, such as LPIPS without its weights files, gets no panel: its reason is printed under
the figure instead). Each alpha
of the network interpolation is a labelled point on a line in alpha order; the bicubic
baseline is a black star. Lower NIQE / LPIPS (left) and higher PSNR (up) are better, so
the trade-off runs from the top right (PSNR model) to the bottom left (GAN model).
"""

import textwrap
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

PERCEPTUAL = ("NIQE", "LPIPS")


def _number(value) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _distortion_key(rows: Sequence[dict]) -> str:
    return next((k for k in ("PSNR_Y", "PSNR") if any(k in r for r in rows)), "PSNR")


def _label(key: str, conventions: Dict[str, str], hint: str) -> str:
    convention = conventions.get(key)
    return f"{key} ({hint})" + (f"\n[{convention}]" if convention else "")


def _panel(ax, rows: List[dict], x_key: str, y_key: str) -> None:
    """One panel: the alphas as a labelled line, bicubic as a star; or why it is empty."""
    curve = [r for r in rows if r["model"] != "bicubic"]
    points = [(_number(r.get(x_key)), _number(r.get(y_key)), r) for r in curve]
    points = [(x, y, r) for x, y, r in points if x is not None and y is not None]
    if not points:
        reason = next((str(r[x_key]) for r in rows if isinstance(r.get(x_key), str)), "no values")
        text = textwrap.fill(f"{x_key}: {reason}", 48, break_long_words=True)
        ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        return
    ax.plot([p[0] for p in points], [p[1] for p in points], "o-", color="tab:blue")
    for i, (x, y, row) in enumerate(points):  # labels alternate above / below the line
        ax.annotate(f"α={row['alpha']:g}", (x, y), textcoords="offset points",
                    xytext=(5, 5 if i % 2 == 0 else -12), fontsize=8)  # fmt: skip
    for row in (r for r in rows if r["model"] == "bicubic"):
        x, y = _number(row.get(x_key)), _number(row.get(y_key))
        if x is not None and y is not None:
            ax.plot([x], [y], "*", color="black", markersize=12)
            ax.annotate("bicubic", (x, y), textcoords="offset points", xytext=(5, -10),
                        fontsize=8)  # fmt: skip
    ax.margins(x=0.15, y=0.12)  # room for the labels
    ax.grid(True, alpha=0.3)


def _left_out(rows: Sequence[dict], key: str) -> str:
    """The note for a metric without a panel: its ``n/a`` reason, wrapped."""
    reason = next((str(r[key]) for r in rows if isinstance(r.get(key), str)), "no values")
    return textwrap.fill(f"{key} not drawn: {reason}", 110, break_long_words=True)


def plot_perception_distortion(
    rows: Sequence[dict], path: Path, conventions: Optional[Dict[str, str]] = None
) -> Path:
    """Draw the perception-distortion plot of ``rows`` into the PNG ``path``.

    Args:
        rows (Sequence[dict]): :func:`~srzoo.evaluation.perception_distortion.evaluate_alphas`
            rows: ``model`` (``'bicubic'`` or ``'alpha A'``), ``dataset``, ``alpha``,
            ``PSNR_Y`` (or ``PSNR``), ``NIQE``, ``LPIPS`` (a number or an ``'n/a: ...'``).
        path (Path): the PNG to write (its folder is created).
        conventions (dict, optional): column -> convention, shown in the axis labels.

    Returns:
        Path: ``path``.
    """
    conventions = conventions or {}
    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    y_key = _distortion_key(rows)
    # A metric with no number anywhere gets no panel, only its reason under the figure.
    drawn = [k for k in PERCEPTUAL if any(_number(r.get(k)) is not None for r in rows)]
    drawn = drawn or list(PERCEPTUAL)
    width = 5.5 * len(drawn) + (0 if len(drawn) > 1 else 1)
    fig = Figure(figsize=(width, 4.2 * len(datasets)), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(datasets), len(drawn), squeeze=False)
    left_out = [_left_out(rows, k) for k in PERCEPTUAL if k not in drawn]
    if left_out:
        fig.supxlabel("\n".join(left_out), fontsize=8, color="dimgray")
    for row_axes, dataset in zip(axes, datasets):
        subset = [r for r in rows if r["dataset"] == dataset]
        for ax, x_key in zip(row_axes, drawn):
            _panel(ax, subset, x_key, y_key)
            ax.set_xlabel(_label(x_key, conventions, "lower is better"), fontsize=9)
            ax.set_ylabel(_label(y_key, conventions, "dB, higher is better"), fontsize=9)
            ax.set_title(f"{dataset}: {y_key} vs {x_key}", fontsize=10)
    fig.suptitle(
        "Perception-distortion trade-off of network interpolation"
        + ("\n" if len(drawn) == 1 else " ")
        + "(PSNR model α=0, GAN α=1)"
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path
