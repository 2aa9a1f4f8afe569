"""The CPU demo (``make demo``): demo data, PSNR then ESRGAN training, per-photo gains, images.

Steps, each a plain srzoo command you can also run by hand:

1. ``tools/prepare_demo_data.py`` builds ``data/demo`` from the bundled photographs;
2. ``tools/train.py --amp auto`` trains the small PSNR-oriented MSRResNet (L1), in bf16
   autocast + channels_last where the CPU runs bf16 natively, else in fp32;
3. ``tools/train.py --amp auto`` trains the ESRGAN stage initialised from it;
4. ``tools/test.py`` evaluates both on the held-out photos, with the bicubic baseline;
   the PSNR model's Y-PSNR gain over MATLAB bicubic is computed per photo (x4, border 4);
5. labelled side-by-side PNGs: LR (nearest) | bicubic | PSNR model | ESRGAN | GT, with a
   zoom on the most textured window;
6. ``srzoo pd``: the perception-distortion table and plot of PSNR -> ESRGAN blends;
7. ``srzoo upscale`` (default tiling) of the held-out LR images with the ESRGAN checkpoint.

It ends with the per-photo gains, how the time split (environment, PSNR stage, GAN stage,
evaluation), and where the table and the images are.
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from srzoo.datasets.imresize import imresize
from srzoo.evaluation.functional import psnr
from srzoo.evaluation.strips import labelled_strip, textured_window
from srzoo.evaluation.tables import bicubic_pair

ROOT = Path(__file__).resolve().parents[1]
PSNR_CFG = "configs/demo/msrresnet-psnr_msrresnet-s_1xb16-1200_demo_x4.py"
GAN_CFG = "configs/demo/esrgan_msrresnet-s_1xb4-300_demo_x4.py"
SCALE, BORDER = 4, 4
TARGET_DB = 1.5  # the gain over bicubic the demo's PSNR model aims at on each photo

Gains = List[Tuple[str, float, float]]


def run(*args: str) -> float:
    """Run a srzoo tool with this interpreter; return its seconds; stop the demo if it fails."""
    print("+ python", " ".join(args), flush=True)
    start = time.time()
    subprocess.run([sys.executable, *args], cwd=ROOT, check=True)
    return time.time() - start


def last_checkpoint(work_dir: Path) -> str:
    return (work_dir / "last_checkpoint").read_text().strip()


def environment_seconds(prefix: Path = Path(sys.prefix)) -> Optional[float]:
    """Seconds ``make env`` took to build this virtual environment, or None if unknown.

    The Makefile creates the venv (``pyvenv.cfg``) first and touches ``.srzoo-installed``
    when everything is installed.
    """
    cfg, stamp = prefix / "pyvenv.cfg", prefix / ".srzoo-installed"
    if not (cfg.is_file() and stamp.is_file()):
        return None
    return stamp.stat().st_mtime - cfg.stat().st_mtime


def read_rgb(path: Path) -> np.ndarray:
    """(H, W, 3) uint8 RGB.

    Raises:
        FileNotFoundError: ``path`` is missing or not an image.
    """
    img = cv2.imread(str(path))
    if img is None:
        raise FileNotFoundError(path)
    return img[:, :, ::-1]


def photo_gains(sr_dir: Path, data: Path) -> Gains:
    """Per held-out photo: (name, bicubic Y-PSNR, model Y-PSNR) in dB.

    Y-PSNR of BT.601 luma (MATLAB ``rgb2ycbcr``) with ``BORDER`` pixels cropped; bicubic is
    MATLAB's x4 upscaling (``srzoo.datasets.imresize``) of the LR photo, rounded to uint8.

    Args:
        sr_dir: The model's x4 outputs, ``<name>.png`` (uint8) for each photo.
        data: The demo data root, with ``val/GT`` and ``val/LRx4``.

    Raises:
        FileNotFoundError: an output or a photo is missing.
    """
    rows = []
    for gt_path in sorted((data / "val" / "GT").glob("*.png")):
        lq = read_rgb(data / "val" / f"LRx{SCALE}" / gt_path.name)
        up, gt = bicubic_pair(lq, read_rgb(gt_path), SCALE)
        sr = read_rgb(sr_dir / gt_path.name)
        kw = dict(crop_border=BORDER, y_channel=True)
        rows.append((gt_path.stem, psnr(up, gt, **kw), psnr(sr, gt, **kw)))
    return rows


def gains_table(rows: Gains) -> str:
    """Markdown: photo | bicubic | PSNR model | gain, then the smallest and mean gains."""
    lines = ["| held-out photo | bicubic Y-PSNR | PSNR model Y-PSNR | gain |", "|---|---|---|---|"]
    lines += [f"| {n} | {b:.2f} dB | {m:.2f} dB | **{m - b:+.2f} dB** |" for n, b, m in rows]
    gains = [m - b for _, b, m in rows]
    below = [n for n, b, m in rows if m - b < TARGET_DB]
    verdict = (f"under the demo's {TARGET_DB:+.1f} dB target on: {', '.join(below)} "
               "(smooth photos: docs/benchmarks.md#demo-recipe)") if below else (
        f"at least {TARGET_DB:+.1f} dB on every photo")  # fmt: skip
    lines.append(f"\nsmallest gain {min(gains):+.2f} dB, mean {np.mean(gains):+.2f} dB; {verdict}")
    return "\n".join(lines)


def side_by_side(out: Path, psnr_dir: Path, gan_dir: Path, data: Path) -> list:
    """Labelled LR | bicubic | PSNR | ESRGAN | GT strips, with a zoom on the most textured
    window, for every validation image."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for gt_path in sorted((data / "val" / "GT").glob("*.png")):
        gt = cv2.imread(str(gt_path))
        lq = cv2.imread(str(data / "val" / "LRx4" / gt_path.name))
        h, w = lq.shape[0] * 4, lq.shape[1] * 4
        gt = gt[:h, :w]
        panels = [
            ("LR (nearest)", cv2.resize(lq, (w, h), interpolation=cv2.INTER_NEAREST)),
            ("bicubic", imresize(lq, 4.0)),
            ("PSNR model", cv2.imread(str(psnr_dir / gt_path.name))),
            ("ESRGAN", cv2.imread(str(gan_dir / gt_path.name))),
            ("GT", gt),
        ]
        size = max(16, min(h, w) // 4)
        window = (*textured_window(gt, size), size)
        path = out / gt_path.name
        cv2.imwrite(str(path), labelled_strip(panels, zoom_window=window))
        written.append(path)
    return written


def time_split(times: Dict[str, float]) -> str:
    """One line per stage, the environment (as ``make env`` left it) first."""
    env = environment_seconds()
    lines = [f"  environment (make env): {env:.0f} s" if env is not None else
             "  environment (make env): not measured (no .venv stamp)"]  # fmt: skip
    lines += [f"  {name}: {seconds:.0f} s" for name, seconds in times.items()]
    demo = sum(times.values())
    total = f"  total: {demo:.0f} s"
    lines.append(total + (f", {demo + env:.0f} s with the environment" if env else ""))
    return "\n".join(lines)


def train_both(work: Path, times: Dict[str, float]) -> None:
    """Stage 1 (PSNR) and stage 2 (ESRGAN, initialised from stage 1), fast path if native."""
    psnr_dir = work / "psnr"
    train = ("tools/train.py", "--amp", "auto", "--work-dir")
    times["PSNR stage"] = run(*train, str(psnr_dir), PSNR_CFG)
    init = f"model.pretrained.path={psnr_dir}"
    times["GAN stage"] = run(*train, str(work / "esrgan"), GAN_CFG, "--cfg-options", init)


def evaluate(work: Path, data: Path) -> Tuple[Gains, list]:
    """Test both models, merge the tables, draw the strips, run ``srzoo upscale``.

    Returns:
        (per-photo Y-PSNR of bicubic and the PSNR model, the comparison strips written).
    """
    for name, cfg in (("psnr", PSNR_CFG), ("esrgan", GAN_CFG)):
        ckpt = last_checkpoint(work / name)
        run("tools/test.py", cfg, ckpt, "--save-images", "--work-dir", str(work / f"test-{name}"))
    run("tools/test.py", "--compare", str(work / "test-psnr"), str(work / "test-esrgan"),
        "--out", str(work))  # fmt: skip
    psnr_images = work / "test-psnr" / "images" / "demo-val"
    gan_images = work / "test-esrgan" / "images" / "demo-val"
    strips = side_by_side(work / "comparison", psnr_images, gan_images, data)
    psnr_ckpt, gan_ckpt = last_checkpoint(work / "psnr"), last_checkpoint(work / "esrgan")
    run("tools/perception_distortion.py", GAN_CFG, psnr_ckpt, gan_ckpt,
        "--work-dir", str(work / "perception_distortion"))  # fmt: skip
    upscale = ["-m", "srzoo.cli", "upscale", str(data / "val" / "LRx4"), "-o"]
    run(*upscale, str(work / "upscaled"), "--model", gan_ckpt, "--quiet")
    return photo_gains(psnr_images, data), strips


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-dir", default="work_dirs/demo")
    args = parser.parse_args(argv)
    work, data, times = ROOT / args.work_dir, ROOT / "data" / "demo", {}
    times["demo data"] = run("tools/prepare_demo_data.py", "--out", str(data))
    train_both(work, times)
    start = time.time()
    gains, strips = evaluate(work, data)
    times["evaluation (tests, table, strips, perception-distortion, upscale)"] = time.time() - start
    table = gains_table(gains)
    (work / "gains.md").write_text(table + "\n")
    print("\nPSNR model vs MATLAB bicubic (Y-PSNR, x4, border 4) on photos never trained on:")
    print(table)
    print(f"\ntime split:\n{time_split(times)}")
    print(f"\nbenchmark table: {work / 'compare.md'} (also .csv, .json)")
    print(f"per-photo gains: {work / 'gains.md'}")
    print(f"side-by-side images (LR | bicubic | PSNR | ESRGAN | GT): {strips[0].parent}/")
    pd_png = work / "perception_distortion" / "perception_distortion.png"
    print(f"perception-distortion plot (PSNR -> ESRGAN blends): {pd_png}")
    print(f"srzoo upscale outputs (ESRGAN, default tiling): {work / 'upscaled'}/")


if __name__ == "__main__":
    main()
