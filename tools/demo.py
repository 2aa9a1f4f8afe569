"""The CPU demo (``make demo``): demo data, PSNR then ESRGAN training, benchmark table, images.

Steps, each a plain srzoo command you can also run by hand:

1. ``tools/prepare_demo_data.py`` builds ``data/demo`` from scikit-image's photos;
2. ``tools/train.py`` trains the small RRDBNet PSNR-oriented (L1);
3. ``tools/train.py`` trains the ESRGAN stage initialised from it;
4. ``tools/test.py`` evaluates both on the held-out images, with the bicubic baseline;
5. labelled side-by-side PNGs: LR (nearest) | bicubic | PSNR model | ESRGAN | GT, with a
   zoom on the most textured window;
6. ``srzoo upscale`` (tiled) of the held-out LR images with the ESRGAN checkpoint.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import cv2

from srzoo.datasets.imresize import imresize
from srzoo.evaluation.strips import labelled_strip, textured_window

ROOT = Path(__file__).resolve().parents[1]
PSNR_CFG = "configs/demo/rrdbnet-psnr_rrdbnet-s_1xb8-1000_demo_x4.py"
GAN_CFG = "configs/demo/esrgan_rrdbnet-s_1xb4-300_demo_x4.py"


def run(*args: str) -> None:
    """Run a srzoo tool with this interpreter; stop the demo if it fails."""
    print("+ python", " ".join(args), flush=True)
    subprocess.run([sys.executable, *args], cwd=ROOT, check=True)


def last_checkpoint(work_dir: Path) -> str:
    return (work_dir / "last_checkpoint").read_text().strip()


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


def summary(table_json: Path) -> str:
    rows = json.loads(table_json.read_text())["rows"]
    by_model = {r["model"]: r for r in rows}
    bicubic = by_model["bicubic"]["PSNR_Y"]
    psnr_row = next(r for r in rows if "PSNR" in r["model"] and r["model"] != "bicubic")
    margin = psnr_row["PSNR_Y"] - bicubic
    verdict = "beats" if margin > 0 else "does NOT beat"
    return f"PSNR-oriented model {verdict} bicubic on Y-PSNR by {margin:+.2f} dB"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-dir", default="work_dirs/demo")
    args = parser.parse_args(argv)
    work, data, start = ROOT / args.work_dir, ROOT / "data" / "demo", time.time()
    run("tools/prepare_demo_data.py", "--out", str(data))
    run("tools/train.py", PSNR_CFG, "--work-dir", str(work / "rrdbnet-psnr"))
    run(
        "tools/train.py",
        GAN_CFG,
        "--work-dir",
        str(work / "esrgan"),
        "--cfg-options",
        f"model.pretrained.path={work / 'rrdbnet-psnr'}",
    )
    for name, cfg in (("rrdbnet-psnr", PSNR_CFG), ("esrgan", GAN_CFG)):
        run(
            "tools/test.py",
            cfg,
            last_checkpoint(work / name),
            "--save-images",
            "--work-dir",
            str(work / f"test-{name}"),
        )
    run(
        "tools/test.py",
        "--compare",
        str(work / "test-rrdbnet-psnr"),
        str(work / "test-esrgan"),
        "--out",
        str(work),
    )
    images = side_by_side(
        work / "comparison",
        work / "test-rrdbnet-psnr" / "images" / "demo-val",
        work / "test-esrgan" / "images" / "demo-val",
        data,
    )
    run(
        "-m",
        "srzoo.cli",
        "upscale",
        str(data / "val" / "LRx4"),
        "-o",
        str(work / "upscaled"),
        "--model",
        last_checkpoint(work / "esrgan"),
        "--tile",
        "64",
    )
    print(f"\n{summary(work / 'compare.json')}")
    print(f"benchmark table: {work / 'compare.md'} (also .csv, .json)")
    print(f"side-by-side images (LR | bicubic | PSNR | ESRGAN | GT): {images[0].parent}/")
    print(f"srzoo upscale outputs (ESRGAN, tiled): {work / 'upscaled'}/")
    print(f"demo finished in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
