"""Listing the images of a data set folder, an LMDB, or a meta-info file.

Helpers shared by the SR datasets. Errors name the path and point to the README,
because a wrong folder is the most common first-run problem.
"""

import os
from typing import Any, List, Mapping, Optional, Tuple

from srzoo.datasets.image_io import is_image_file, read_lmdb_keys

README_HINT = "see README section 'Training on a real data set'"


def resolve(data_root: str, path: Optional[str]) -> Optional[str]:
    """Join ``path`` onto ``data_root`` unless it is absolute or empty."""
    if not path:
        return path
    path = os.fspath(path)
    if data_root and not os.path.isabs(path):
        return os.path.join(os.fspath(data_root), path)
    return path


def is_lmdb(folder: str, backend: str) -> bool:
    """Whether ``folder`` is read through LMDB.

    Raises:
        ValueError: ``backend='lmdb'`` with a folder whose name does not end in ``.lmdb``.
    """
    if backend not in ("disk", "lmdb"):
        raise ValueError(f"backend must be 'disk' or 'lmdb', got {backend!r}")
    if backend == "lmdb" and not folder.rstrip("/").endswith(".lmdb"):
        raise ValueError(
            f"backend='lmdb' needs folders ending in '.lmdb', got '{folder}'; "
            "build one with tools/create_lmdb.py"
        )
    return backend == "lmdb"


def missing_folders(dataset: Mapping[str, Any]) -> List[Tuple[str, str]]:
    """(key, folder) of every ``*_folder`` of a dataset config that is not a directory."""
    root = dataset.get("data_root", "")
    found = []
    for key, value in dataset.items():
        if key.endswith("_folder") and isinstance(value, str):
            folder = resolve(root, value)
            if not os.path.isdir(folder):
                found.append((key, folder))
    return found


def require_folder(folder: str, role: str) -> None:
    """Raise ``FileNotFoundError`` naming ``folder`` when it is not a directory."""
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"{role} folder '{folder}' does not exist (absolute: '{os.path.abspath(folder)}'); "
            f"{README_HINT}, or run tools/prepare_demo_data.py for the demo data."
        )


def scan_images(folder: str) -> List[str]:
    """Image files under ``folder`` (recursively), as sorted relative paths.

    Raises:
        FileNotFoundError: the folder is missing.
        ValueError: the folder holds no image files.
    """
    require_folder(folder, "Image")
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in files:
            if is_image_file(name):
                found.append(os.path.relpath(os.path.join(root, name), folder))
    if not found:
        raise ValueError(
            f"Folder '{folder}' holds no image files (.png, .jpg, ...); {README_HINT}."
        )
    return sorted(found)


def read_meta_info(meta_file: str) -> List[str]:
    """Names in a meta-info file: the first token of each non-empty line.

    Lines look like ``0001_s001.png (480,480,3)`` (BasicSR's format) or just a name.

    Raises:
        FileNotFoundError: the file is missing.
        ValueError: the file lists nothing.
    """
    if not os.path.isfile(meta_file):
        raise FileNotFoundError(f"Meta-info file '{meta_file}' does not exist; {README_HINT}.")
    with open(meta_file, encoding="utf-8") as f:
        names = [line.split()[0] for line in f if line.strip() and not line.startswith("#")]
    if not names:
        raise ValueError(f"Meta-info file '{meta_file}' lists no images.")
    return names


def list_names(folder: str, lmdb: bool, meta_file: Optional[str]) -> List[str]:
    """GT names of a data set: from ``meta_file``, the LMDB's keys, or a folder scan.

    Names are relative file paths (disk) or keys (LMDB, no extension).
    """
    if lmdb:
        require_folder(folder, "LMDB")
        if meta_file:
            return [os.path.splitext(n)[0] for n in read_meta_info(meta_file)]
        keys = read_lmdb_keys(folder)
        if not keys:
            raise ValueError(f"LMDB '{folder}' lists no keys in meta_info.txt.")
        return keys
    require_folder(folder, "GT")
    if meta_file:
        return read_meta_info(meta_file)
    return scan_images(folder)


def partner_name(gt_name: str, filename_tmpl: str) -> str:
    """The LQ name for a GT name: ``dir/x.png`` -> ``dir/{tmpl.format('x')}.png``."""
    head, base = os.path.split(gt_name)
    stem, ext = os.path.splitext(base)
    return os.path.join(head, filename_tmpl.format(stem) + ext)
