"""Image bytes: reading from disk or LMDB, validating and decoding with OpenCV.

Every failure raises :class:`ImageReadError` with a message that names the file and
the problem (missing, empty, truncated, not an image), so a bad file in a data set
of thousands is found at once. The LMDB layout is BasicSR's: ``data.mdb`` holding
PNG bytes keyed by image name, plus ``meta_info.txt`` with lines
``name.png (h,w,c) compression``.
"""

import os
import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from srzoo.errors import ImageReadError
from srzoo.utils.names import IMAGE_EXTENSIONS

_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"BM": "BMP",
    b"II*\x00": "TIFF",
    b"MM\x00*": "TIFF",
    b"P5": "PGM",
    b"P6": "PPM",
}
_TAIL = 256
_LMDB_ENVS: Dict[Tuple[int, str], object] = {}
_LMDB_META: Dict[tuple, dict] = {}
_SHAPE = re.compile(r"\((\d+),\s*(\d+),\s*(\d+)\)")


def is_image_file(name: str) -> bool:
    """Whether ``name`` has an image extension srzoo reads (case-insensitive)."""
    return name.lower().endswith(IMAGE_EXTENSIONS)


def sniff_format(head: bytes) -> Optional[str]:
    """Name the image format from the first bytes, or ``None`` when unknown."""
    for magic, fmt in _MAGIC.items():
        if head.startswith(magic):
            return fmt
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def structure_problem(head: bytes, tail: bytes, size: int) -> Optional[str]:
    """Describe what is wrong with an encoded image from its ends, or ``None``.

    Args:
        head (bytes): the first bytes (at least 12).
        tail (bytes): the last bytes (up to 256).
        size (int): total size in bytes.

    Returns:
        str | None: a human-readable problem, or ``None`` when nothing is seen.
    """
    if size == 0:
        return "the file is empty (0 bytes)"
    fmt = sniff_format(head)
    if fmt is None:
        return f"the content is not a recognised image format (it starts with {head[:16]!r})"
    if fmt == "PNG" and b"IEND" not in tail:
        return f"the PNG is truncated (no IEND chunk at the end; {size} bytes)"
    if fmt == "JPEG" and b"\xff\xd9" not in tail:
        return f"the JPEG is truncated (no end-of-image marker; {size} bytes)"
    return None


_FORMAT_OF_EXT = {
    ".png": {"PNG"},
    ".jpg": {"JPEG"},
    ".jpeg": {"JPEG"},
    ".bmp": {"BMP"},
    ".tif": {"TIFF"},
    ".tiff": {"TIFF"},
    ".webp": {"WEBP"},
    ".ppm": {"PPM", "PGM"},
    ".pgm": {"PPM", "PGM"},
}


def check_image_file(path: str) -> Optional[str]:
    """Cheap header/trailer check of an image file, without decoding the pixels.

    Args:
        path (str): the file.

    Returns:
        str | None: the problem found (missing, unsupported or wrong extension, empty,
        truncated, not an image), or ``None`` when the file looks sound.
    """
    if not os.path.isfile(path):
        return "the file does not exist"
    if not is_image_file(path):
        return f"unsupported file extension {Path(path).suffix!r}"
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(16)
        f.seek(max(0, size - _TAIL))
        tail = f.read()
    problem = structure_problem(head, tail, size)
    fmt, ext = sniff_format(head), Path(path).suffix.lower()
    if problem is None and fmt not in _FORMAT_OF_EXT[ext]:
        problem = f"wrong file extension: the file is named {ext!r} but holds {fmt} data"
    return problem


def _jpeg_size(data: bytes) -> Optional[Tuple[int, int]]:
    """(height, width) from a JPEG's start-of-frame marker, or None if not found."""
    pos = 2
    while pos + 9 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return int.from_bytes(data[pos + 5 : pos + 7], "big"), int.from_bytes(
                data[pos + 7 : pos + 9], "big"
            )
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    return None


def image_size(path: str) -> Tuple[int, int]:
    """(height, width) of an image file, from its header when the format allows.

    PNG, JPEG and BMP sizes come from the first bytes; other formats are decoded.

    Raises:
        ImageReadError: the file cannot be read or decoded (the message names it).
    """
    with open(path, "rb") as f:
        data = f.read(1 << 16)
    fmt, size = sniff_format(data), None
    if fmt == "PNG" and len(data) >= 24:
        size = int.from_bytes(data[20:24], "big"), int.from_bytes(data[16:20], "big")
    elif fmt == "JPEG":
        size = _jpeg_size(data)
    elif fmt == "BMP" and len(data) >= 26:
        if int.from_bytes(data[14:18], "little") == 12:  # OS/2 BITMAPCOREHEADER: 16-bit sizes
            size = int.from_bytes(data[20:22], "little"), int.from_bytes(data[18:20], "little")
        else:
            width = int.from_bytes(data[18:22], "little", signed=True)
            size = abs(int.from_bytes(data[22:26], "little", signed=True)), width
    if size is None:
        size = decode_image(read_file_bytes(path), cv2.IMREAD_UNCHANGED, path).shape[:2]
    return int(size[0]), int(size[1])


def read_file_bytes(path: str) -> bytes:
    """Read an image file's bytes, checking existence, extension and structure.

    Raises:
        ImageReadError: naming ``path`` and the problem.
    """
    if not os.path.exists(path):
        raise ImageReadError(f"Image file not found: '{path}'. Check the data set folders.")
    if os.path.isdir(path):
        raise ImageReadError(f"Expected an image file but '{path}' is a directory.")
    if not is_image_file(path):
        raise ImageReadError(
            f"Cannot read '{path}': unsupported file extension {Path(path).suffix!r} "
            f"(supported: {', '.join(IMAGE_EXTENSIONS)})."
        )
    with open(path, "rb") as f:
        data = f.read()
    problem = structure_problem(data[:16], data[-_TAIL:], len(data))
    if problem:
        raise ImageReadError(f"Cannot read image '{path}': {problem}.")
    return data


def decode_image(data: bytes, flag: int, name: str) -> np.ndarray:
    """Decode encoded image bytes with ``cv2.imdecode``.

    Args:
        data (bytes): the encoded image.
        flag (int): an OpenCV ``IMREAD_*`` flag.
        name (str): the file or key, for error messages.

    Returns:
        np.ndarray: (H, W) or (H, W, C) in OpenCV's BGR(A) order, uint8 or uint16.

    Raises:
        ImageReadError: naming ``name`` when OpenCV cannot decode the bytes.
    """
    if len(data) == 0:
        raise ImageReadError(f"Cannot read image '{name}': the file is empty (0 bytes).")
    img = cv2.imdecode(np.frombuffer(data, np.uint8), flag)
    if img is None:
        problem = structure_problem(data[:16], data[-_TAIL:], len(data))
        raise ImageReadError(
            f"Cannot decode image '{name}': {problem or 'OpenCV could not decode it (corrupt?)'}."
        )
    return img


def import_lmdb():
    """Import the optional ``lmdb`` package, with an install hint when it is missing."""
    try:
        import lmdb
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            "The LMDB backend needs the optional 'lmdb' package: pip install lmdb"
        ) from err
    return lmdb


def _lmdb_env(db_path: str):
    """Open (once per process) a read-only LMDB environment."""
    key = (os.getpid(), os.path.abspath(db_path))
    env = _LMDB_ENVS.get(key)
    if env is None:
        if not os.path.isfile(os.path.join(db_path, "data.mdb")):
            raise FileNotFoundError(
                f"LMDB folder '{db_path}' has no data.mdb; build it with tools/create_lmdb.py."
            )
        lmdb = import_lmdb()
        env = lmdb.open(db_path, readonly=True, lock=False, readahead=False, meminit=False)
        _LMDB_ENVS[key] = env
    return env


def read_lmdb_bytes(db_path: str, key: str) -> bytes:
    """Read the encoded image stored under ``key`` in the LMDB at ``db_path``.

    Raises:
        ImageReadError: when the key is absent or empty.
    """
    with _lmdb_env(db_path).begin(write=False) as txn:
        data = txn.get(key.encode("utf-8"))
    if data is None:
        raise ImageReadError(f"Key '{key}' not found in LMDB '{db_path}'.")
    if len(data) == 0:
        raise ImageReadError(f"Key '{key}' in LMDB '{db_path}' holds an empty value.")
    return bytes(data)


def read_lmdb_meta(db_path: str) -> Dict[str, Optional[Tuple[int, int, int]]]:
    """``<db_path>/meta_info.txt`` as ``{key: (h, w, c) or None}``, in file order.

    Lines are BasicSR's ``name.png (h,w,c) compression`` (the key is the name without its
    extension); a line without a shape maps to None. Cached per process and file version.

    Raises:
        FileNotFoundError: the LMDB has no ``meta_info.txt``.
    """
    meta = os.path.join(db_path, "meta_info.txt")
    if not os.path.isfile(meta):
        raise FileNotFoundError(
            f"LMDB folder '{db_path}' has no meta_info.txt; build it with tools/create_lmdb.py."
        )
    stat = os.stat(meta)
    key = (os.getpid(), os.path.abspath(meta), stat.st_mtime_ns, stat.st_size)
    if key not in _LMDB_META:
        shapes: Dict[str, Optional[Tuple[int, int, int]]] = {}
        with open(meta, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    found = _SHAPE.search(line)
                    shape = tuple(int(v) for v in found.groups()) if found else None
                    shapes[os.path.splitext(line.split()[0])[0]] = shape  # type: ignore[assignment]
        _LMDB_META[key] = shapes
    return _LMDB_META[key]


def read_lmdb_keys(db_path: str) -> List[str]:
    """Keys listed in ``<db_path>/meta_info.txt`` (first token, extension removed)."""
    return list(read_lmdb_meta(db_path))
