"""Write a folder of images into a BasicSR-style LMDB.

Layout of ``<name>.lmdb/``: ``data.mdb`` / ``lock.mdb`` holding PNG bytes keyed by
the image's relative path without extension, and ``meta_info.txt`` with one line
per image: ``<key>.png (h,w,c) <compression level>``.
"""

import os
from typing import List, Optional

import cv2

from srzoo.datasets.folder_index import scan_images
from srzoo.datasets.image_io import ImageReadError, decode_image, import_lmdb, read_file_bytes


def _encode(path: str, compress_level: int) -> tuple:
    """Read ``path`` as stored and re-encode it as PNG; return (bytes, (h, w, c))."""
    img = decode_image(read_file_bytes(path), cv2.IMREAD_UNCHANGED, path)
    ok, buf = cv2.imencode(".png", img, [cv2.IMWRITE_PNG_COMPRESSION, compress_level])
    if not ok:  # pragma: no cover - OpenCV refuses only unusual dtypes
        raise ImageReadError(f"Could not PNG-encode '{path}' for the LMDB.")
    h, w = img.shape[:2]
    c = 1 if img.ndim == 2 else img.shape[2]
    return buf.tobytes(), (h, w, c)


def write_lmdb(
    folder: str,
    lmdb_path: str,
    compress_level: int = 1,
    names: Optional[List[str]] = None,
    batch: int = 100,
) -> List[str]:
    """Pack the images of ``folder`` into ``lmdb_path``.

    Args:
        folder (str): source folder of images.
        lmdb_path (str): output folder; must end with ``.lmdb``.
        compress_level (int): PNG compression level 0-9. Default: 1.
        names (list[str], optional): relative file names to pack; default: all images
            under ``folder``.
        batch (int): images per write transaction. Default: 100.

    Returns:
        list[str]: the keys written, in order.

    Raises:
        ValueError: ``lmdb_path`` does not end with ``.lmdb``.
        FileExistsError: ``lmdb_path`` already holds a ``data.mdb``.
    """
    lmdb = import_lmdb()
    if not lmdb_path.rstrip("/").endswith(".lmdb"):
        raise ValueError(f"LMDB path must end with '.lmdb', got '{lmdb_path}'")
    if os.path.exists(os.path.join(lmdb_path, "data.mdb")):
        raise FileExistsError(f"'{lmdb_path}' already exists; delete it first.")
    names = names if names is not None else scan_images(folder)
    map_size, used = 1 << 28, 0
    env = lmdb.open(lmdb_path, map_size=map_size)
    keys, meta = [], []
    txn = env.begin(write=True)
    for i, name in enumerate(names):
        data, (h, w, c) = _encode(os.path.join(folder, name), compress_level)
        need = used + 2 * len(data) + (1 << 20)
        if need > map_size:  # grow the map between transactions, never inside one
            txn.commit()
            while map_size < need:
                map_size *= 2
            env.set_mapsize(map_size)
            txn = env.begin(write=True)
        key = os.path.splitext(name)[0].replace(os.sep, "/")
        txn.put(key.encode("utf-8"), data)
        used += len(data) + 8192
        keys.append(key)
        meta.append(f"{key}.png ({h},{w},{c}) {compress_level}\n")
        if (i + 1) % batch == 0:
            txn.commit()
            txn = env.begin(write=True)
    txn.commit()
    env.close()
    with open(os.path.join(lmdb_path, "meta_info.txt"), "w", encoding="utf-8") as f:
        f.writelines(meta)
    return keys
