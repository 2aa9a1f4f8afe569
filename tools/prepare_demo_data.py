"""Build the demo data set from the colour photographs bundled with scikit-image.

Layout (``--out``, default ``data/demo``)::

    {train,val}/GT/<name>.png      RGB, cropped top-left to a multiple of 4
    {train,val}/LRx2/<name>.png    MATLAB-bicubic x2 downscale of GT (uint8)
    {train,val}/LRx4/<name>.png    MATLAB-bicubic x4 downscale of GT (uint8)

The split is fixed: validation = astronaut, coffee, chelsea (the images of the
reference fixtures); every other photo that loads offline is training data.
Idempotent: files whose content is unchanged are left alone.
"""

import argparse
import os
import sys
import time
from typing import Callable, Dict

import cv2
import numpy as np

from srzoo.datasets.imresize import imresize

VAL = ("astronaut", "coffee", "chelsea")
TRAIN = ("rocket", "immunohistochemistry", "hubble_deep_field", "retina")
SCALES = (2, 4)


def photo_loaders() -> Dict[str, Callable[[], np.ndarray]]:
    """Loaders of the bundled colour photos, by name (``skimage.data`` is imported lazily)."""
    import skimage.data as data

    loaders = {name: getattr(data, name) for name in VAL + TRAIN}
    loaders["motorcycle_left"] = lambda: data.stereo_motorcycle()[0]
    loaders["motorcycle_right"] = lambda: data.stereo_motorcycle()[1]
    return loaders


def write_png(path: str, rgb: np.ndarray) -> bool:
    """Write ``rgb`` as PNG unless the file already holds these bytes; return whether written."""
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(rgb[:, :, ::-1]))
    if not ok:
        raise OSError(f"could not encode {path}")
    data = buf.tobytes()
    if os.path.isfile(path):
        with open(path, "rb") as f:
            if f.read() == data:
                return False
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return True


def prepare(out: str) -> Dict[str, int]:
    """Build the demo set under ``out``; return ``{'written': n, 'unchanged': m}``."""
    counts = {"written": 0, "unchanged": 0}
    for name, load in photo_loaders().items():
        try:
            img = load()
        except Exception as err:  # a photo that needs a download: skip it, say so
            print(f"  skip {name}: {type(err).__name__}: {err}")
            continue
        img = img[:, :, :3] if img.ndim == 3 else np.repeat(img[:, :, None], 3, axis=2)
        h, w = img.shape[:2]
        gt = np.ascontiguousarray(img[: h - h % 4, : w - w % 4]).astype(np.uint8)
        split = "val" if name in VAL else "train"
        outputs = {"GT": gt}
        outputs.update({f"LRx{s}": imresize(gt, 1.0 / s) for s in SCALES})
        for folder, arr in outputs.items():
            path = os.path.join(out, split, folder, f"{name}.png")
            written = write_png(path, arr)
            counts["written" if written else "unchanged"] += 1
            state = "wrote" if written else "unchanged"
            print(f"  {state:9s} {path} {arr.shape[1]}x{arr.shape[0]}")
    return counts


def main(argv=None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="data/demo", help="output folder (default data/demo)")
    args = parser.parse_args(argv)
    start = time.time()
    counts = prepare(args.out)
    print(
        f"demo data in {args.out}: {counts['written']} files written, "
        f"{counts['unchanged']} unchanged ({time.time() - start:.1f} s); "
        f"val = {', '.join(VAL)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
