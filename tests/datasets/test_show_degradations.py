"""``srzoo degradations`` / tools/show_degradations.py: the GT | LQ grid and the drawn values."""

import itertools
import re
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import default_collate

import srzoo.datasets  # noqa: F401
import srzoo.models  # noqa: F401
from srzoo.cli import main
from srzoo.datasets.degradations import TrainingPairPool, draw_batch
from srzoo.datasets.samplers import ResumableInfiniteSampler
from srzoo.engine.launch import load_config
from srzoo.registry import DATASETS, RESTORERS

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "configs/realesrgan/realesrgan_rrdbnet_4xb12-400k_df2k-ost_x4.py"
PATCH = 32


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("degradations")
    (root / "GT").mkdir()
    rng = np.random.default_rng(0)
    for i in range(3):
        small = rng.integers(0, 256, (10, 12, 3)).astype(np.uint8)
        cv2.imwrite(str(root / "GT" / f"{i}.png"), cv2.resize(small, (100, 84)))
    path = root / "preview.py"
    path.write_text(
        f"""
_base_ = ["{BASE}"]
model = dict(data_preprocessor=dict(degradation=dict(gt_size={PATCH})))
train_dataloader = dict(dataset=dict(
    data_root="{root}", gt_folder="GT", meta_info_file=None,
    pipeline=[dict(type="LoadImageFromFile", key="gt"), dict(type="RandomCropPadGT", size=80),
              {{{{_base_.blur_kernels}}}}, dict(type="PackRealESRGANInputs")]))
randomness = dict(seed=5)
"""
    )
    return path


def expected_rows(config: Path, num: int) -> list:
    """(seed, GT, LQ) of the first ``num`` samples, made without the command."""
    cfg = load_config(str(config))
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    pre = RESTORERS.build(cfg.model.data_preprocessor)
    pre.degradation.pool = TrainingPairPool(0)
    rows = []
    for index in itertools.islice(iter(ResumableInfiniteSampler(dataset, seed=5)), num):
        out = pre(default_collate([dataset[index]]), True)
        rows.append((index.sample_seed, out["data_samples"][0].gt_img, out["inputs"][0]))
    return rows


def as_rgb_float(bgr: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(bgr[..., ::-1].copy()).permute(2, 0, 1).float() / 255


def test_grid_rows_are_gt_and_lq_of_the_training_stream(config, tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert main(["degradations", str(config), "-o", str(out), "--num", "2"]) == 0
    assert torch.is_grad_enabled()  # the command ran in this process and left autograd on
    grid = cv2.imread(str(out))
    assert grid.shape == (2 * PATCH, 2 * PATCH, 3)
    printed = capsys.readouterr().out
    degradation = RESTORERS.build(dict(type="RealESRGANPreprocessor")).degradation
    stages = (degradation.first, degradation.second)  # the config's are the defaults
    for row, (seed, gt, lq) in enumerate(expected_rows(config, 2)):
        panel = grid[row * PATCH : (row + 1) * PATCH]
        torch.testing.assert_close(as_rgb_float(panel[:, :PATCH]), gt, atol=0.5 / 255, rtol=0)
        small = as_rgb_float(panel[20:, PATCH:][::4, ::4])  # below the "#i" label
        torch.testing.assert_close(small, lq[:, 5:], atol=0.5 / 255, rtol=0)
        assert f"#{row} seed {seed} " in printed
        draw = draw_batch([seed], *stages)
        block = printed.split(f"#{row} seed")[1]
        quality = int(re.search(r"stage 1: .*jpeg q(\d+)", block).group(1))
        assert quality == round(float(draw.first.jpeg_quality[0]))
        assert ("gaussian" if draw.second.gaussian else "poisson") in block.splitlines()[2]
    assert f"wrote {out}: 2 rows" in printed


def test_other_seed_other_samples_and_a_non_realesrgan_config_fails(config, tmp_path, capsys):
    assert main(["degradations", str(config), "-o", str(tmp_path / "a.png"), "--num", "1"]) == 0
    argv = ["degradations", str(config), "-o", str(tmp_path / "b.png"), "--num", "1"]
    assert main([*argv, "--seed", "6"]) == 0
    assert not np.array_equal(
        cv2.imread(str(tmp_path / "a.png")), cv2.imread(str(tmp_path / "b.png"))
    )
    capsys.readouterr()
    esrgan = ROOT / "configs/esrgan/esrgan_rrdbnet_1xb16-400k_div2k_x4.py"
    assert main(["degradations", str(esrgan), "-o", str(tmp_path / "c.png")]) == 1
    assert "needs RealESRGANPreprocessor" in capsys.readouterr().err
    assert not (tmp_path / "c.png").exists()


def test_tool_shim_runs_the_command():
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools/show_degradations.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0 and "GT | degraded LQ" not in proc.stderr
    assert "--num" in proc.stdout and "RealESRGANPreprocessor" in proc.stdout
