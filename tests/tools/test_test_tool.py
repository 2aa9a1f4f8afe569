"""tools/test.py writes the benchmark tables (with a bicubic row) and merges runs."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

import srzoo.models  # noqa: F401
from srzoo.registry import RESTORERS

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "configs/demo/rrdbnet-psnr_rrdbnet-s_1xb8-1000_demo_x4.py"


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("data") / "demo"
    cmd = [sys.executable, str(ROOT / "tools/prepare_demo_data.py"), "--out", str(out)]
    subprocess.run(cmd, check=True, capture_output=True)
    return out


def save_checkpoint(path: Path) -> None:
    """An srzoo-layout checkpoint of the demo model with random weights."""
    torch.manual_seed(0)
    model = RESTORERS.build(Config.fromfile(str(CONFIG)).model)
    torch.save({"meta": {"cfg": "default_scope = 'srzoo'"}, "state_dict": model.state_dict()}, path)


def run_test_tool(*args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools/test.py"), *args], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc


def test_tables_with_bicubic_row_and_compare(tmp_path, demo_data):
    ckpt = tmp_path / "model.pth"
    save_checkpoint(ckpt)
    work = tmp_path / "run"
    proc = run_test_tool(
        str(CONFIG), str(ckpt), "--work-dir", str(work), "--save-images",
        "--cfg-options", f"test_datasets.0.dataset.data_root={demo_data}/val",
    )  # fmt: skip
    # mmengine's dumps: one console line each, in full in the log file
    assert "Hook order (" in proc.stdout and "Hooks will be executed" not in proc.stdout
    assert "Config (" in proc.stdout and "test_dataloader = dict(" not in proc.stdout
    assert {p.name for p in work.glob("benchmark.*")} == {
        "benchmark.md",
        "benchmark.csv",
        "benchmark.json",
    }
    rows = json.loads((work / "benchmark.json").read_text())["rows"]
    assert [r["model"] for r in rows] == ["bicubic", "RRDBNet-S (PSNR, demo) [model.pth]"]
    assert {"PSNR", "SSIM", "PSNR_Y", "SSIM_Y"} <= set(rows[0])
    assert rows[0]["PSNR_Y"] == pytest.approx(27.889, abs=0.01)  # MATLAB bicubic, demo val
    assert rows[1]["PSNR_Y"] < rows[0]["PSNR_Y"]  # random weights lose to bicubic
    text = (work / "benchmark.md").read_text()
    assert text.startswith("- **RRDBNet-S (PSNR, demo) [model.pth]**: checkpoint ")  # caption
    markdown = [line for line in text.splitlines() if line.startswith("|")]
    assert markdown[0].startswith("| model | dataset | PSNR")
    assert markdown[2].startswith("| bicubic | demo-val |")
    assert sorted(p.name for p in (work / "images/demo-val").glob("*.png")) == [
        "astronaut.png", "chelsea.png", "coffee.png", "grace_hopper.png",
    ]  # fmt: skip
    # Each image's values: the same metrics, averaging to the benchmark row.
    per_image = json.loads((work / "per_image.json").read_text())["rows"]
    assert [(r["image"], r["model"]) for r in per_image[:2]] == [
        ("astronaut", "bicubic"), ("astronaut", rows[1]["model"]),
    ]  # fmt: skip
    assert sorted({r["image"] for r in per_image}) == [
        "astronaut",
        "chelsea",
        "coffee",
        "grace_hopper",
    ]
    for row in rows:
        mine = [r for r in per_image if r["model"] == row["model"]]
        for key in ("PSNR", "SSIM", "PSNR_Y", "SSIM_Y"):
            assert sum(r[key] for r in mine) / len(mine) == pytest.approx(row[key], abs=1e-9)
    chelsea = next(r for r in per_image if r["image"] == "chelsea" and r["model"] == "bicubic")
    assert chelsea["PSNR_Y"] == pytest.approx(31.48, abs=0.005)  # tools/demo.py's bicubic figure
    assert (work / "per_image.md").read_text().count("| chelsea |") == 2
    out = tmp_path / "compare"
    proc = run_test_tool("--compare", str(work), "--out", str(out))
    assert "bicubic" in proc.stdout and (out / "compare.md").is_file()


def test_missing_arguments_exit_with_usage():
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools/test.py")], capture_output=True, text=True
    )
    assert proc.returncode != 0 and "usage" in proc.stderr
