"""srzoo test needs only what testing uses, evaluates the sets asked for, reports the missing
ones in the table, names rows by checkpoint, and --compare keeps rows that share a name."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from srzoo.engine.launch import load_config
from srzoo.evaluation.tables import compare_tables
from srzoo.registry import RESTORERS

ROOT = Path(__file__).resolve().parents[2]
SMALL = [
    "model.generator.num_blocks=1", "model.generator.mid_channels=8",
    "model.generator.growth_channels=4", "model.discriminator.mid_channels=4",
]  # fmt: skip


@pytest.fixture(scope="module")
def demo_val(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("data") / "demo"
    cmd = [sys.executable, str(ROOT / "tools/prepare_demo_data.py"), "--out", str(out)]
    subprocess.run(cmd, check=True, capture_output=True)
    return out / "val"


def small_esrgan_checkpoint(path: Path) -> None:
    options = dict(item.split("=") for item in SMALL)
    options = {k: int(v) for k, v in options.items()}
    cfg = load_config(str(ROOT / "configs/esrgan_x4.py"), {**options, "model.pretrained": None,
                      "model.perceptual_loss.pretrained": None})  # fmt: skip
    torch.manual_seed(0)
    model = RESTORERS.build(cfg.model)
    torch.save({"meta": {}, "state_dict": model.state_dict()}, path)


def test_selected_sets_partial_table_and_no_vgg_needed(tmp_path, demo_val):
    ckpt = tmp_path / "esrgan_small.pth"
    small_esrgan_checkpoint(ckpt)
    env = dict(os.environ, TORCH_HOME=str(tmp_path / "no-vgg-here"))
    work = tmp_path / "run"
    cmd = [
        sys.executable, "-m", "srzoo.cli", "test", str(ROOT / "configs/esrgan_x4.py"), str(ckpt),
        "--work-dir", str(work), "--datasets", "Set5", "Set14", "--cfg-options", *SMALL,
        f"test_datasets.0.dataset.data_root={demo_val}", "test_datasets.0.dataset.lq_folder=LRx4",
        "test_datasets.0.dataset.gt_folder=GT", "model_zoo.name=my small ESRGAN",
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = json.loads((work / "benchmark.json").read_text())["rows"]
    assert [(r["model"], r["dataset"]) for r in rows] == [
        ("bicubic", "Set5"),
        ("my small ESRGAN [esrgan_small.pth]", "Set5"),
        ("my small ESRGAN [esrgan_small.pth]", "Set14"),
    ]
    assert isinstance(rows[1]["PSNR_Y"], float)
    assert rows[2]["note"] == "n/a: missing data/Set14/HR, data/Set14/LR_bicubic/X4"
    caption = (work / "benchmark.md").read_text().splitlines()[0]
    assert caption == (
        f"- **my small ESRGAN [esrgan_small.pth]**: checkpoint `{ckpt}`, config "
        f"`{ROOT / 'configs/esrgan_x4.py'}`, x4."
    )
    bad = subprocess.run(cmd[:-9] + ["--datasets", "Set6"], capture_output=True, text=True,
                         cwd=tmp_path, env=env)  # fmt: skip
    assert bad.returncode == 1 and "the config's test sets are ['Set5', 'Set14'" in bad.stderr


def test_compare_keeps_rows_that_share_a_name(tmp_path):
    runs = []
    for name in ("run_a", "run_b"):
        folder = tmp_path / name
        folder.mkdir()
        rows = [dict(model="demo", dataset="Set5", PSNR_Y=30.0 if name == "run_a" else 31.0)]
        (folder / "benchmark.json").write_text(json.dumps(dict(rows=rows)))
        runs.append(folder)
    merged = compare_tables(runs, {"demo": {"Set5": {"PSNR_Y": 30.5}}})
    assert [(r["model"], r["PSNR_Y"]) for r in merged] == [("demo", 30.0), ("demo (run_b)", 31.0)]
    assert [r["PSNR_Y (diff)"] for r in merged] == [-0.5, 0.5]


def test_compare_keeps_an_identical_row_once(tmp_path):
    """Each run's bicubic row of one test set is the same result: one row, not two."""
    runs = []
    for name, psnr in (("run_a", 30.0), ("run_b", 31.0)):
        rows = [dict(model="bicubic", dataset="Set5", PSNR_Y=28.0, SSIM_Y=0.8)]
        rows += [dict(model="bicubic", dataset="Set14", PSNR_Y=26.0 if name == "run_a" else 25.0)]
        rows += [dict(model=name, dataset="Set5", PSNR_Y=psnr)]
        runs.append(dict(model=name, rows=rows))
    merged = [(r["model"], r["dataset"], r["PSNR_Y"]) for r in compare_tables(runs)]
    assert merged == [
        ("bicubic", "Set5", 28.0), ("bicubic", "Set14", 26.0), ("run_a", "Set5", 30.0),
        ("bicubic #2", "Set14", 25.0), ("run_b", "Set5", 31.0),
    ]  # fmt: skip


def test_caption_says_when_the_perceptual_vgg_had_random_weights():
    from srzoo.evaluation.evaluate import training_notes

    demo = load_config(str(ROOT / "configs/demo/esrgan_rrdbnet-s_1xb4-300_demo_x4.py"))
    assert training_notes(demo) == [
        "its perceptual loss used a random-weight VGG19 (no weights were available)"
    ]
    assert training_notes(load_config(str(ROOT / "configs/esrgan_x4.py"))) == []


def test_an_override_the_test_sets_would_ignore_is_refused(tmp_path):
    """test_dataloader.dataset is only the fallback: with test_datasets it changes nothing."""
    cmd = [sys.executable, "-m", "srzoo.cli", "test", str(ROOT / "configs/esrgan_x4.py"),
           str(tmp_path / "none.pth"), "--work-dir", str(tmp_path / "w"), "--cfg-options",
           "test_dataloader.dataset.data_root=data/elsewhere"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("srzoo: error: --cfg-options test_dataloader.dataset.data_root: ")
    assert "Set5, Set14" in line and "test_datasets.0.dataset.data_root=" in line
    assert not (tmp_path / "w").exists()  # refused before anything ran
