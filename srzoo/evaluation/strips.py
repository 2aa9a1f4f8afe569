"""Comparison strips a person can read: labelled panels side by side, with a zoomed crop.

Used by the demo (LR | bicubic | PSNR model | ESRGAN | GT). Every panel is the same size;
a band above each names it, and a second row shows the same textured window of every panel
enlarged, so the differences between the models are visible at a glance.
"""

from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

BAND = 28  # label band height, px
_FONT = cv2.FONT_HERSHEY_SIMPLEX


def textured_window(image: np.ndarray, size: int) -> Tuple[int, int]:
    """Top-left (y, x) of the ``size`` x ``size`` window with the most detail.

    Detail is the mean absolute Laplacian of the grey image, summed over the window (a box
    filter), so the zoom shows texture rather than a flat sky.

    Args:
        image: (H, W, 3) or (H, W) uint8.
        size: Window side in pixels; clipped to the image.
    """
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    detail = np.abs(cv2.Laplacian(grey.astype(np.float32), cv2.CV_32F))
    h, w = grey.shape
    size = min(size, h, w)
    energy = cv2.boxFilter(detail, -1, (size, size), normalize=False, anchor=(0, 0))
    valid = energy[: h - size + 1, : w - size + 1]
    y, x = np.unravel_index(int(np.argmax(valid)), valid.shape)
    return int(y), int(x)


def _label(panel: np.ndarray, text: str) -> np.ndarray:
    """``panel`` with a white band above it holding ``text`` (shrunk to fit)."""
    width = panel.shape[1]
    band = np.full((BAND, width, 3), 255, np.uint8)
    scale = 0.6
    while scale > 0.3 and cv2.getTextSize(text, _FONT, scale, 1)[0][0] > width - 8:
        scale -= 0.05
    cv2.putText(band, text, (4, BAND - 9), _FONT, scale, (0, 0, 0), 1, cv2.LINE_AA)
    return np.concatenate([band, panel], axis=0)


def labelled_strip(
    panels: Sequence[Tuple[str, np.ndarray]],
    zoom_window: Optional[Tuple[int, int, int]] = None,
    gap: int = 4,
) -> np.ndarray:
    """Panels side by side, each under its label, with an optional zoom row beneath.

    Args:
        panels: (label, image) pairs; images (H, W, 3) uint8 BGR of one size.
        zoom_window: (y, x, size) of a window shown enlarged under every panel, to the
            panel's width (nearest neighbour, so pixels stay visible), under a band naming
            the magnification, and outlined in red on each panel (1 pixel per 200 of the
            panel's shorter side). Default: None.
        gap: White pixels between panels. Default: 4.

    Returns:
        (BAND + H [+ BAND + W], n * W + (n - 1) * gap, 3) uint8.

    Raises:
        ValueError: panels of different sizes.
    """
    shapes = {img.shape for _, img in panels}
    if len(shapes) != 1:
        raise ValueError(f"panels must share one size, got {sorted(shapes)}")
    columns: List[np.ndarray] = []
    for label, img in panels:
        marked = img.copy()
        if zoom_window is not None:
            y, x, size = zoom_window
            line = max(1, round(min(img.shape[:2]) / 200))  # still visible when scaled down
            cv2.rectangle(marked, (x, y), (x + size - 1, y + size - 1), (0, 0, 255), line)
        column = _label(marked, label)
        if zoom_window is not None:
            crop = img[y : y + size, x : x + size]
            width = img.shape[1]
            zoomed = cv2.resize(crop, (width, width), interpolation=cv2.INTER_NEAREST)
            zoomed = _label(zoomed, f"red box, {round(width / size, 1):g}x")
            column = np.concatenate([column, zoomed], axis=0)
        columns.append(column)
    spacer = np.full((columns[0].shape[0], gap, 3), 255, np.uint8)
    parts = [columns[0]]
    for column in columns[1:]:
        parts += [spacer, column]
    return np.concatenate(parts, axis=1)
