"""Crop every image of a folder into overlapping sub-images (DIV2K style), for fast loading.

Sub-image ``k`` of ``0001.png`` is ``0001_s{k:03d}.png``. Crops start every ``--step``
pixels; a last crop flush with the border is added when the remainder exceeds
``--thresh-size``. A scale suffix (``0001x4`` -> ``0001``) is removed so LR and HR
sub-images share names. For x4 DIV2K run it twice::

    python tools/extract_subimages.py data/DIV2K/DIV2K_train_HR data/DIV2K/DIV2K_train_HR_sub
    python tools/extract_subimages.py data/DIV2K/DIV2K_train_LR_bicubic/X4 \
        data/DIV2K/DIV2K_train_LR_bicubic/X4_sub --crop-size 120 --step 60
"""

import argparse
import os
import re
import sys
from functools import partial
from multiprocessing import Pool
from typing import List

import cv2
import numpy as np

from srzoo.datasets.folder_index import scan_images
from srzoo.datasets.image_io import decode_image, read_file_bytes


def starts(length: int, crop: int, step: int, thresh: int) -> List[int]:
    """Crop start offsets along one axis (plus a final flush crop past ``thresh``)."""
    if length < crop:
        return [0]
    pos = list(range(0, length - crop + 1, step))
    if length - (pos[-1] + crop) > thresh:
        pos.append(length - crop)
    return pos


def crop_one(name: str, src: str, dst: str, crop: int, step: int, thresh: int, level: int) -> int:
    """Write the sub-images of ``src/name`` into ``dst``; return how many."""
    path = os.path.join(src, name)
    img = decode_image(read_file_bytes(path), cv2.IMREAD_UNCHANGED, path)
    stem, ext = os.path.splitext(os.path.basename(name))
    stem = re.sub(r"x[2348]$", "", stem)
    out_dir = os.path.join(dst, os.path.dirname(name))
    os.makedirs(out_dir, exist_ok=True)
    h, w = img.shape[:2]
    k = 0
    for y in starts(h, crop, step, thresh):
        for x in starts(w, crop, step, thresh):
            k += 1
            patch = np.ascontiguousarray(img[y : y + crop, x : x + crop, ...])
            params = [cv2.IMWRITE_PNG_COMPRESSION, level] if ext.lower() == ".png" else []
            cv2.imwrite(os.path.join(out_dir, f"{stem}_s{k:03d}{ext}"), patch, params)
    return k


def main(argv=None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("src", help="folder of full-size images")
    parser.add_argument("dst", help="output folder for the sub-images")
    parser.add_argument("--crop-size", type=int, default=480)
    parser.add_argument("--step", type=int, default=240)
    parser.add_argument("--thresh-size", type=int, default=0)
    parser.add_argument("--compression", type=int, default=3, help="PNG compression 0-9")
    parser.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    args = parser.parse_args(argv)
    if os.path.isdir(args.dst) and os.listdir(args.dst):
        print(f"{args.dst} exists and is not empty; remove it first", file=sys.stderr)
        return 1
    names = scan_images(args.src)
    job = partial(
        crop_one,
        src=args.src,
        dst=args.dst,
        crop=args.crop_size,
        step=args.step,
        thresh=args.thresh_size,
        level=args.compression,
    )
    if args.workers > 1:
        with Pool(args.workers) as pool:
            counts = pool.map(job, names)
    else:
        counts = [job(n) for n in names]
    print(f"{sum(counts)} sub-images from {len(names)} images written to {args.dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
