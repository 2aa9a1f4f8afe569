"""docs/add_a_model.md stays true: its blocks, copied verbatim, train, test, upscale, export."""

import os
import re
import subprocess
import sys
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]


def blocks(kind: str) -> list:
    return re.findall(rf"```{kind}\n(.*?)```", (ROOT / "docs/add_a_model.md").read_text(), re.S)


def test_add_a_model_walkthrough_runs_verbatim(tmp_path):
    arch, config = blocks("python")[:2]
    commands = [
        line.split("#")[0].strip()
        for line in blocks("bash")[0].splitlines()
        if line.strip() and not line.startswith(("source ", "#"))
    ]
    # A copy of the repository layout the doc assumes: configs/_base_, tools, the module.
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs/_base_").symlink_to(ROOT / "configs/_base_")
    (tmp_path / "tools").symlink_to(ROOT / "tools")
    (tmp_path / arch.splitlines()[0].lstrip("# ").strip()).write_text(arch)
    (tmp_path / config.splitlines()[0].lstrip("# ").strip()).write_text(config)
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", OMP_NUM_THREADS="1")
    env.pop("PYTHONPATH", None)  # the doc promises it is not needed
    for command in commands:
        proc = subprocess.run(
            command, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert proc.returncode == 0, f"{command}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    assert sorted(p.name for p in (tmp_path / "work_dirs/espcn").glob("iter_*.pth")) == [
        "iter_100.pth",
        "iter_200.pth",
    ]
    table = (tmp_path / "work_dirs/espcn-test/benchmark.md").read_text()
    assert "TinyESPCN (demo)" in table and "bicubic" in table
    for name in ("coffee", "chelsea"):
        lr = cv2.imread(str(tmp_path / f"data/demo/val/LRx4/{name}.png"))
        out = cv2.imread(str(tmp_path / f"{name}_x4.png"))
        assert out.shape == (lr.shape[0] * 4, lr.shape[1] * 4, 3)
