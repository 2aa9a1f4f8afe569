"""Benchmark tables: three formats, the bicubic row, and merging runs with references."""

import csv
import json

import numpy as np
import pytest

from srzoo.datasets.imresize import imresize
from srzoo.evaluation.functional import psnr, ssim
from srzoo.evaluation.tables import bicubic_baseline, compare_tables, write_tables


def lr_gt(seed=0):
    rng = np.random.default_rng(seed)
    gt = np.clip(imresize(rng.random((8, 10, 3)) * 255, 4), 0, 255).round().astype(np.uint8)
    return imresize(gt, 0.25), gt


def test_bicubic_baseline_values():
    lq, gt = lr_gt()
    row = bicubic_baseline(lq, gt, 4)
    assert set(row) == {"PSNR", "SSIM", "PSNR_Y", "SSIM_Y"}
    up = imresize(lq.astype(np.float64), 4).round().clip(0, 255).astype(np.uint8)
    assert row["PSNR"] == pytest.approx(psnr(up, gt, crop_border=4))
    assert row["SSIM_Y"] == pytest.approx(ssim(up, gt, crop_border=4, y_channel=True))
    assert row["PSNR"] > 20
    # A GT larger than LQ x scale is mod-cropped; a smaller one is an error.
    padded = np.pad(gt, ((0, 3), (0, 2), (0, 0)))
    assert bicubic_baseline(lq, padded, 4) == pytest.approx(row)
    with pytest.raises(ValueError, match="smaller"):
        bicubic_baseline(lq, gt[:-4], 4)


def test_write_tables_three_formats_with_bicubic_row(tmp_path):
    lq, gt = lr_gt()
    rows = [
        {"dataset": "demo-val", "model": "bicubic", **bicubic_baseline(lq, gt, 4)},
        {"dataset": "demo-val", "model": "esrgan", "PSNR": 25.5, "SSIM": 0.7, "PSNR_Y": 27.0,
         "SSIM_Y": 0.75},
    ]  # fmt: skip
    paths = write_tables(rows, tmp_path / "out")
    assert set(paths) == {"md", "csv", "json"} and all(p.is_file() for p in paths.values())
    md = paths["md"].read_text().splitlines()
    assert md[0] == "| model | dataset | PSNR | SSIM | PSNR_Y | SSIM_Y |"
    assert md[1] == "|---|---|---|---|---|---|"
    assert md[2].startswith("| bicubic | demo-val | ") and md[3].startswith("| esrgan |")
    assert "| 25.5000 | 0.7000 | 27.0000 | 0.7500 |" in md[3]
    with open(paths["csv"], newline="") as f:
        csv_rows = list(csv.DictReader(f))
    assert csv_rows[0]["model"] == "bicubic"
    assert float(csv_rows[0]["PSNR"]) == pytest.approx(rows[0]["PSNR"])
    payload = json.loads(paths["json"].read_text())
    assert payload["rows"][1]["PSNR_Y"] == 27.0 and payload["columns"][:2] == ["model", "dataset"]


def test_compare_tables_merges_runs_with_references(tmp_path):
    write_tables(
        [{"dataset": "Set5", "PSNR_Y": 30.0, "SSIM_Y": 0.85}, {"dataset": "Set14", "PSNR_Y": 27.0}],
        tmp_path / "srresnet",
    )
    runs = [
        tmp_path / "srresnet",
        {"model": "esrgan", "rows": [{"dataset": "Set5", "PSNR_Y": 29.0, "SSIM_Y": 0.8}]},
    ]
    refs = {"srresnet": {"Set5": {"PSNR_Y": 32.05, "SSIM_Y": 0.9019}}}
    rows = compare_tables(runs, refs)
    assert [(r["model"], r["dataset"]) for r in rows] == [
        ("srresnet", "Set5"),
        ("srresnet", "Set14"),
        ("esrgan", "Set5"),
    ]
    first = rows[0]
    assert first["PSNR_Y (ref)"] == 32.05
    assert first["PSNR_Y (diff)"] == pytest.approx(-2.05)
    assert first["SSIM_Y (diff)"] == pytest.approx(0.85 - 0.9019)
    assert "PSNR_Y (ref)" not in rows[1] and "PSNR_Y (ref)" not in rows[2]
    md = write_tables(rows, tmp_path / "cmp", stem="compare")["md"].read_text()
    assert "PSNR_Y (diff)" in md and "-2.0500" in md
    with pytest.raises(FileNotFoundError, match="benchmark"):
        compare_tables([tmp_path / "missing"])
