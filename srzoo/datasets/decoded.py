"""The decoded image: one definition shared by the loader and the start-up data check.

``LoadImageFromFile`` turns a sample's data info into an array; the start-up check
(:mod:`srzoo.datasets.sample_check`) must judge exactly that array's size without decoding
thousands of files. Both therefore go through this module:

* :func:`image_ref` says where a sample's image is (a file, or an LMDB key), with the same
  fallback for a missing key name;
* :data:`DECODE_FLAGS` are the OpenCV flags of each ``color_type``. EXIF orientation is
  ignored everywhere, so a JPEG tagged "rotate 90" decodes to the pixel grid its header
  gives (and that ``cv2.imwrite`` wrote the LR from), never a rotated one;
* :func:`decoded_shape` gives ``(h, w, c)`` of the array the loader will produce: from the
  file header (PNG, JPEG, BMP), from the LMDB's ``meta_info.txt`` shapes, or by decoding
  (other formats, ``color_type='unchanged'``, an LMDB listing no shapes);
* :func:`check_lmdb_shape` makes the loader refuse an LMDB value that decodes to another
  size than ``meta_info.txt`` lists, the one place where the two could still differ.
"""

from pathlib import Path
from typing import NamedTuple, Optional, Tuple

import cv2
import numpy as np

from srzoo.datasets.image_io import (
    decode_image,
    image_size,
    read_file_bytes,
    read_lmdb_bytes,
    read_lmdb_meta,
)
from srzoo.errors import ImageReadError

Shape = Tuple[int, int, int]
_IGNORE = cv2.IMREAD_IGNORE_ORIENTATION
#: OpenCV flags of ``LoadImageFromFile``'s ``color_type`` (EXIF orientation ignored).
DECODE_FLAGS = {
    "color": cv2.IMREAD_COLOR | cv2.IMREAD_ANYDEPTH | _IGNORE,
    "grayscale": cv2.IMREAD_GRAYSCALE | cv2.IMREAD_ANYDEPTH | _IGNORE,
    "unchanged": cv2.IMREAD_UNCHANGED,
}
_CHANNELS = {"color": 3, "grayscale": 1}


class ImageRef(NamedTuple):
    """Where one image of a sample is.

    Attributes:
        path: The file path (for an LMDB image, its name for messages).
        db: The ``.lmdb`` folder, or None for a file on disk.
        key: The LMDB key, or None for a file on disk.
    """

    path: str
    db: Optional[str]
    key: Optional[str]


def image_ref(info: dict, key: str) -> ImageRef:
    """The image ``key`` (``'gt'``/``'lq'``) of a data info: ``{key}_path`` and, for LMDB,
    ``{key}_lmdb`` and ``{key}_lmdb_key`` (default: the path's stem).

    Raises:
        KeyError: ``{key}_path`` is missing.
    """
    path = info.get(f"{key}_path")
    if path is None:
        raise KeyError(f"LoadImageFromFile(key='{key}') needs results['{key}_path']")
    db = info.get(f"{key}_lmdb")
    if not db:
        return ImageRef(str(path), None, None)
    return ImageRef(str(path), str(db), str(info.get(f"{key}_lmdb_key") or Path(path).stem))


def read_image_bytes(ref: ImageRef) -> bytes:
    """The encoded image, from its file or its LMDB.

    Raises:
        ImageReadError: missing, empty, truncated or not an image (named in the message).
    """
    if ref.db is None:
        return read_file_bytes(ref.path)
    return read_lmdb_bytes(ref.db, ref.key)


def decode(ref: ImageRef, color_type: str) -> np.ndarray:
    """Read and decode the image as ``LoadImageFromFile(color_type=...)`` does (BGR order)."""
    return decode_image(read_image_bytes(ref), DECODE_FLAGS[color_type], ref.path)


def _as_shape(img: np.ndarray) -> Shape:
    return (img.shape[0], img.shape[1], 1 if img.ndim == 2 else img.shape[2])


def _lmdb_shape(ref: ImageRef) -> Optional[Shape]:
    """The stored ``(h, w, c)`` that ``meta_info.txt`` lists, or None if it lists none.

    Raises:
        ImageReadError: the key is not listed.
    """
    meta = read_lmdb_meta(ref.db)
    if ref.key not in meta:
        raise ImageReadError(
            f"Key '{ref.key}' is not listed in '{Path(ref.db) / 'meta_info.txt'}' of that LMDB."
        )
    return meta[ref.key]


def decoded_shape(ref: ImageRef, color_type: str = "color") -> Shape:
    """``(h, w, c)`` of the array ``LoadImageFromFile(color_type=...)`` makes of ``ref``.

    Raises:
        ImageReadError: the image is missing or unreadable (named in the message).
    """
    if color_type == "unchanged":  # the channels depend on the file: decode it
        return _as_shape(decode(ref, color_type))
    if ref.db is not None:
        stored = _lmdb_shape(ref)
        if stored is None:
            return _as_shape(decode(ref, color_type))
        return stored[0], stored[1], _CHANNELS[color_type]
    return (*image_size(ref.path), _CHANNELS[color_type])


def check_lmdb_shape(img: np.ndarray, ref: ImageRef) -> None:
    """Refuse an LMDB image whose decoded size is not what ``meta_info.txt`` lists.

    Raises:
        ImageReadError: naming the key and both sizes.
    """
    if ref.db is None:
        return
    stored = _lmdb_shape(ref)
    if stored is not None and tuple(img.shape[:2]) != stored[:2]:
        raise ImageReadError(
            f"LMDB '{ref.db}' key '{ref.key}' decodes to {img.shape[0]}x{img.shape[1]} but "
            f"its meta_info.txt lists {stored[0]}x{stored[1]}; rebuild the LMDB with "
            "tools/create_lmdb.py"
        )
