"""Build the demo data set from the photographs bundled with scikit-image and matplotlib.

Layout (``--out``, default ``data/demo``)::

    {train,val}/GT/<name>.png      RGB, cropped top-left to a multiple of 4
    train/GT/<name>_s75.png        the training photo at 3/4 size (MATLAB bicubic), and at
    train/GT/<name>_s50.png        1/2 size: more detail per pixel, as in other photos
    {train,val}/LRx2/<name>.png    MATLAB-bicubic x2 downscale of GT (uint8)
    {train,val}/LRx4/<name>.png    MATLAB-bicubic x4 downscale of GT (uint8)

The split is fixed. Validation (held out, never trained on) = the real photographs
astronaut, coffee, chelsea (the images of the reference fixtures) and matplotlib's
grace_hopper. Training = scikit-image's other colour photos plus its grey photos and
textures (copied into three channels; the models are judged on luma), each also at 3/4 and
1/2 size unless its x4 LR would be smaller than :data:`MIN_LR` pixels (the demo's LR
patch). ``skimage.data.cat`` is chelsea again, so it is left out. Idempotent: files whose
content is unchanged are left alone.
"""

import argparse
import os
import sys
import time
from typing import Callable, Dict

import cv2
import numpy as np

from srzoo.datasets.imresize import imresize

VAL = ("astronaut", "coffee", "chelsea", "grace_hopper")
TRAIN = ("rocket", "immunohistochemistry", "hubble_deep_field", "retina")
# Grey photographs and textures: edges, text, fine and coarse texture for the luma.
TRAIN_GREY = ("camera", "brick", "grass", "gravel", "moon", "coins", "page", "text")
SCALES = (2, 4)
TRAIN_SIZES = {"": 1.0, "_s75": 0.75, "_s50": 0.5}  # file-name suffix -> size of the photo
MIN_LR = 32


def _grace_hopper() -> np.ndarray:
    """matplotlib's sample photograph (600 x 512 RGB JPEG), decoded by Pillow."""
    from matplotlib import cbook
    from PIL import Image

    with Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as img:
        return np.asarray(img.convert("RGB"))


def photo_loaders() -> Dict[str, Callable[[], np.ndarray]]:
    """Loaders of the bundled photos, by name (``skimage.data`` is imported lazily)."""
    import skimage.data as data

    names = tuple(n for n in VAL if n != "grace_hopper") + TRAIN + TRAIN_GREY
    loaders = {name: getattr(data, name) for name in names}
    loaders["grace_hopper"] = _grace_hopper
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


def crop4(img: np.ndarray) -> np.ndarray:
    """``img`` cropped top-left to a multiple of 4 on each side, contiguous uint8."""
    h, w = img.shape[:2]
    return np.ascontiguousarray(img[: h - h % 4, : w - w % 4]).astype(np.uint8)


def write_pair(out: str, split: str, name: str, gt: np.ndarray, counts: Dict[str, int]) -> None:
    """Write ``gt`` and its MATLAB-bicubic LR images under ``out/split``; count the files."""
    outputs = {"GT": gt}
    outputs.update({f"LRx{s}": imresize(gt, 1.0 / s) for s in SCALES})
    for folder, arr in outputs.items():
        written = write_png(os.path.join(out, split, folder, f"{name}.png"), arr)
        counts["written" if written else "unchanged"] += 1


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
        gt = crop4(img)
        if name in VAL:
            write_pair(out, "val", name, gt, counts)
            print(f"  val    {name}: GT {gt.shape[1]}x{gt.shape[0]}, LRx2, LRx4")
            continue
        sizes = []
        for suffix, size in TRAIN_SIZES.items():
            scaled = gt if size == 1.0 else crop4(imresize(gt, size))
            if size == 1.0 or min(scaled.shape[:2]) // 4 >= MIN_LR:
                write_pair(out, "train", name + suffix, scaled, counts)
                sizes.append(f"{scaled.shape[1]}x{scaled.shape[0]}")
        print(f"  train  {name}: GT {', '.join(sizes)}, LRx2, LRx4 of each")
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
