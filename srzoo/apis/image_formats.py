"""What each output image format can hold, and how an image is fitted to it before writing.

``cv2.imencode`` does not refuse what a format cannot store: it clips a 16-bit image to 8
bits for JPEG (a mid-grey 16-bit ramp comes out almost white) and silently drops the alpha
channel for JPEG. :func:`encode_image` therefore fits every image to its format first, by
the table :data:`FORMATS`, and checks the encoded bytes decode to what was meant:

============  ========  =====  ===========================  =====
format        16-bit    grey   colour                       alpha
============  ========  =====  ===========================  =====
PNG, TIFF     yes       yes    yes                          yes
PPM           yes       RGB    yes                          no
PGM           yes       yes    no (error)                   no
JPEG          8-bit     yes    yes                          no
BMP           8-bit     yes    yes                          yes
WebP          8-bit     RGB    yes                          yes
============  ========  =====  ===========================  =====

* **Depth:** a 16-bit image written to an 8-bit-only format is rescaled to 8 bits with
  ``round(v / 257)`` (65535 -> 255, the same value on the 8-bit scale).
* **Grey** stored as RGB (WebP, PPM) is written as three equal channels: same picture.
* **Alpha** into a format without alpha: a fully opaque alpha is dropped (nothing is lost;
  WebP, whose encoder drops an opaque alpha itself, is written as RGB then too);
  any transparency raises :class:`~srzoo.errors.UsageError` naming the file and the formats
  that hold alpha. srzoo never writes a file that silently differs from the image.
* **Colour** into PGM (grey only) raises :class:`~srzoo.errors.UsageError`.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Union

import cv2
import numpy as np

from srzoo.errors import UsageError


@dataclass(frozen=True)
class FormatPolicy:
    """What one file format holds.

    Attributes:
        name: The format's name in messages, e.g. ``"JPEG"``.
        deep: Holds 16-bit samples.
        grey: Holds a 1-channel image (else grey is written as three equal channels).
        colour: Holds a 3-channel image.
        alpha: Holds an alpha channel.
        lossless: Decodes to exactly the samples written.
        opaque_alpha: Keeps a fully opaque alpha channel (WebP's encoder drops it, so srzoo
            drops it first: the file then holds 3 channels, the same picture).
    """

    name: str
    deep: bool
    grey: bool
    colour: bool
    alpha: bool
    lossless: bool = True
    opaque_alpha: bool = True


_PNG = FormatPolicy("PNG", deep=True, grey=True, colour=True, alpha=True)
_TIFF = FormatPolicy("TIFF", deep=True, grey=True, colour=True, alpha=True)
_JPEG = FormatPolicy("JPEG", deep=False, grey=True, colour=True, alpha=False, lossless=False)
#: The output formats srzoo writes, by lower-case extension.
FORMATS: Dict[str, FormatPolicy] = {
    ".png": _PNG,
    ".tif": _TIFF,
    ".tiff": _TIFF,
    ".jpg": _JPEG,
    ".jpeg": _JPEG,
    ".bmp": FormatPolicy("BMP", deep=False, grey=True, colour=True, alpha=True),
    # lossless WebP may change the colour under fully transparent pixels
    ".webp": FormatPolicy(
        "WebP", deep=False, grey=False, colour=True, alpha=True, lossless=False, opaque_alpha=False
    ),
    ".ppm": FormatPolicy("PPM", deep=True, grey=False, colour=True, alpha=False),
    ".pgm": FormatPolicy("PGM", deep=True, grey=True, colour=False, alpha=False),
}
_WITH_ALPHA = ", ".join(sorted({e for e, f in FORMATS.items() if f.alpha}))


def format_policy(path: Union[str, Path]) -> FormatPolicy:
    """The :class:`FormatPolicy` of ``path``'s extension (case-insensitive).

    Raises:
        UsageError: an extension srzoo does not write (the message lists those it does).
    """
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        raise UsageError(
            f"{path}: cannot write {ext or 'a file without extension'!r}; srzoo writes "
            f"{', '.join(FORMATS)}"
        )
    return FORMATS[ext]


def to_8bit(img: np.ndarray) -> np.ndarray:
    """uint16 -> uint8 by ``round(v / 257)`` (exact: ``v / 257`` is never a tie)."""
    return ((img.astype(np.uint32) + 128) // 257).astype(np.uint8)


def fit_to_format(img: np.ndarray, path: Union[str, Path]) -> np.ndarray:
    """Fit an image in OpenCV's channel order to what ``path``'s format holds.

    Args:
        img: (H, W) or (H, W, C) with C = 1 (grey), 2 (grey + alpha), 3 (BGR) or 4 (BGRA);
            uint8 or uint16.
        path: The file to be written; its extension names the format.

    Returns:
        (H, W), (H, W, 3) or (H, W, 4), uint8 or uint16, that the format stores exactly
        (up to its compression).

    Raises:
        UsageError: an unknown extension, transparency for a format without alpha, or
            colour for a grey-only format; the message names ``path``.
    """
    policy = format_policy(path)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if img.ndim == 3 and img.shape[2] == 2:  # grey + alpha: as BGRA
        img = np.dstack([img[:, :, 0]] * 3 + [img[:, :, 1]])
    if img.ndim == 3 and img.shape[2] == 4 and not (policy.alpha and policy.opaque_alpha):
        opaque = img[:, :, 3].min() == np.iinfo(img.dtype).max
        if not (opaque or policy.alpha):
            raise UsageError(
                f"{path}: the image has transparency (an alpha channel), which "
                f"{policy.name} cannot hold; write one of {_WITH_ALPHA} (e.g. --ext png)"
            )
        img = img[:, :, :3] if opaque else img  # a fully opaque alpha: nothing is lost
    if img.ndim == 3 and not policy.colour:
        raise UsageError(
            f"{path}: the image is in colour, which {policy.name} (grey only) cannot hold; "
            "write .png, .tif or .ppm"
        )
    if img.ndim == 2 and not policy.grey:
        img = np.dstack([img] * 3)
    if img.dtype == np.uint16 and not policy.deep:
        img = to_8bit(img)
    return np.ascontiguousarray(img)


def encode_image(img: np.ndarray, path: Union[str, Path]) -> tuple:
    """Fit ``img`` to ``path``'s format (:func:`fit_to_format`) and encode it.

    The encoded bytes are decoded again and checked for the intended size, channels and
    depth (and, for lossless formats, values), so a wrong file is never written.

    Returns:
        ``(encoded, written)``: the encoded bytes (a uint8 array) and the image they hold.

    Raises:
        UsageError: see :func:`fit_to_format`.
        OSError: OpenCV cannot encode the image, or the bytes decode to something else.
    """
    written = fit_to_format(img, path)
    try:
        ok, buf = cv2.imencode(Path(path).suffix.lower(), written)
    except cv2.error as err:
        raise OSError(f"could not encode {path}: {err}") from err
    back = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED) if ok else None
    same = back is not None and back.shape == written.shape and back.dtype == written.dtype
    if same and format_policy(path).lossless:
        same = bool(np.array_equal(back, written))
    if not same:
        got = "nothing" if back is None else f"{back.dtype} {back.shape}"
        raise OSError(
            f"could not encode {path}: {written.dtype} {written.shape} came back as {got}"
        )
    return buf, written
