"""Real-ESRGAN training resumes bit-exactly, and two gloo processes keep equal weights.

A scaled-down ``configs/realesrgan/realesrgan_rrdbnet_4xb12-400k_df2k-ost_x4.py`` (8-channel
RRDBNet and U-Net discriminator, 80-pixel GT crop-pads degraded to 32-pixel patches, a pool of
4 pairs, batch 2, EMA) trains with the whole degradation on the CPU. The pool is full from the
third iteration on, so the run SIGKILLed after its checkpoint at iteration 3 resumes only if
the checkpoint carries the pool as well as the weights, optimizers, RNGs and data position.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from train_helpers import (
    ROOT,
    assert_bit_identical,
    network_weights,
    run_train,
    sigkill,
    start_train,
    wait_for,
)

from srzoo.checkpoint import load_checkpoint_file

N = 3  # checkpoint at N, train to 2N
POOL = "data_preprocessor.degradation.pool."
BASE = ROOT / "configs/realesrgan/realesrgan_rrdbnet_4xb12-400k_df2k-ost_x4.py"


def make_gt(root: Path, count: int = 6) -> Path:
    """``root/GT/{i}.png``: smooth random 72x96 images (padded to 80 rows by the pipeline)."""
    (root / "GT").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(count):
        small = rng.integers(0, 256, (9, 12, 3)).astype(np.uint8)
        cv2.imwrite(str(root / "GT" / f"{i}.png"), cv2.resize(small, (96, 72)))
    return root


def write_config(path: Path, data_root: Path, extra: str = "") -> Path:
    """The shipped x4plus config at test size, on ``data_root`` (extra lines appended)."""
    path.write_text(
        f"""
_base_ = ["{BASE}"]
custom_imports = dict(imports=["reliability_plugins"], allow_failed_imports=False)
model = dict(
    pretrained=None,
    generator=dict(mid_channels=8, num_blocks=1, growth_channels=8),
    discriminator=dict(mid_channels=8),
    perceptual_loss=dict(pretrained=None),
    ema=dict(momentum=0.9),
    data_preprocessor=dict(degradation=dict(gt_size=32, queue_size=4)),
)
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False, prefetch_factor=None,
    pin_memory=False,
    dataset=dict(data_root="{data_root}", gt_folder="GT", meta_info_file=None, pipeline=[
        dict(type="LoadImageFromFile", key="gt"),
        dict(type="PairedFlipRot", hflip=True, vflip=False, rot90=False, keys=("gt",)),
        dict(type="RandomCropPadGT", size=80),
        {{{{_base_.blur_kernels}}}},
        dict(type="PackRealESRGANInputs"),
    ]),
)
test_dataloader = None
test_cfg = None
test_evaluator = None
test_datasets = []
train_cfg = dict(max_iters={2 * N})
default_hooks = dict(checkpoint=dict(interval={N}, max_keep_ckpts=-1), logger=dict(interval=1))
randomness = dict(seed=7, deterministic=True)
{extra}
"""
    )
    return path


@pytest.fixture(scope="module")
def straight_run(tmp_path_factory):
    """Run A: 2N iterations straight through (num_workers=0)."""
    root = tmp_path_factory.mktemp("realesrgan")
    data = make_gt(root / "data")
    proc = run_train(write_config(root / "tiny.py", data), root / "A")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root, data, load_checkpoint_file(root / "A" / f"iter_{2 * N}.pth")["state_dict"]


def test_checkpoint_carries_the_full_pool(straight_run):
    root, _, final = straight_run
    saved = load_checkpoint_file(root / "A" / f"iter_{N}.pth")["state_dict"]
    assert int(saved[POOL + "filled_count"]) == 4
    assert saved[POOL + "lq"].shape == (4, 3, 8, 8) and saved[POOL + "gt"].shape == (4, 3, 32, 32)
    assert int(final["step_counter"]) == 2 * N
    assert not torch.equal(final[POOL + "gt"], saved[POOL + "gt"])  # swapped after iteration N


def test_sigkill_after_checkpoint_then_resume_is_bit_identical(straight_run):
    root, data, final_a = straight_run
    # First leg: a persistent data worker (kernels must not depend on it), slowed down after
    # the N-th checkpoint so that the kill lands before the end.
    more = "train_dataloader.update(num_workers=1, persistent_workers=True, prefetch_factor=2)\n"
    more += f"custom_hooks = [dict(type='SleepAfterHook', after={N + 1}, seconds=0.4)]\n"
    work = root / "B"
    proc = start_train(write_config(root / "tiny_b1.py", data, more), work)
    ckpt = work / f"iter_{N}.pth"
    wait_for(lambda: ckpt.is_file() and (work / "last_checkpoint").is_file(), proc)
    time.sleep(0.2)
    sigkill(proc)
    assert not (work / f"iter_{2 * N}.pth").exists()
    proc = run_train(write_config(root / "tiny_b2.py", data), work, "--resume", "auto")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"auto-resume from {ckpt}" in proc.stdout + proc.stderr
    final_b = load_checkpoint_file(work / f"iter_{2 * N}.pth")["state_dict"]
    parts = ("generator.", "generator_ema.", "discriminator.", POOL)
    assert_bit_identical(
        {k: v for k, v in final_a.items() if k.startswith(parts)},
        {k: v for k, v in final_b.items() if k.startswith(parts)},
    )


def test_two_gloo_processes_keep_identical_weights(straight_run, tmp_path):
    _, data, _ = straight_run
    more = "custom_imports['imports'].append('rank_dump_hook')\n"
    more += "custom_hooks = [dict(type='RankDumpHook')]\n"
    more += f"train_cfg.update(max_iters={N})\ndefault_hooks['checkpoint'].update(interval={N})\n"
    config = write_config(tmp_path / "dist.py", data, more)
    env = dict(os.environ, PYTHON=sys.executable, OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = f"{ROOT / 'tests/engine'}:{ROOT / 'tests/tools'}:{ROOT}"
    env["PORT"] = str(29600 + os.getpid() % 1000)
    env["CUDA_VISIBLE_DEVICES"] = ""  # CPU processes with gloo on any machine
    work = tmp_path / "work"
    proc = subprocess.run(
        ["bash", str(ROOT / "tools/dist_train.sh"), str(config), "2", "--work-dir", str(work)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rank0, rank1 = (torch.load(work / f"generator_rank{r}.pt", weights_only=True) for r in (0, 1))
    assert rank0.keys() == rank1.keys()
    assert all(torch.equal(rank0[k], rank1[k]) for k in rank0)
    weights = network_weights(work / f"iter_{N}.pth")
    assert torch.equal(weights["generator.conv_first.weight"], rank0["conv_first.weight"])
    assert int(load_checkpoint_file(work / f"iter_{N}.pth")["state_dict"]["step_counter"]) == N
