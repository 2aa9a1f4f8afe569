"""Helpers for the end-to-end reliability tests: tiny data, a tiny ESRGAN config, runs.

The config is the demo ESRGAN scaled down (8 channels, one RRDB, 32-pixel crops, a
conv1_1 perceptual loss, batch 2, no validation), so an iteration takes a fraction of
a second on one CPU core.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Optional

import cv2
import numpy as np
import torch

from srzoo.checkpoint import load_checkpoint_file
from srzoo.cli import train as train_command
from srzoo.cli.parsers import build_parser
from srzoo.datasets.imresize import imresize

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
TRAIN = ROOT / "tools" / "train.py"
NETS = ("generator.", "discriminator.", "generator_ema.")


def make_pairs(root: Path, count: int = 6, size: int = 48, scale: int = 4) -> Path:
    """Write ``root/GT/{i}.png`` (smooth random images) and bicubic ``root/LRx4/{i}.png``."""
    rng = np.random.default_rng(0)
    for sub in ("GT", "LRx4"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for i in range(count):
        small = rng.integers(0, 256, (size // 8, size // 8, 3)).astype(np.uint8)
        gt = cv2.resize(small, (size, size), interpolation=cv2.INTER_CUBIC)
        cv2.imwrite(str(root / "GT" / f"{i}.png"), gt)
        cv2.imwrite(str(root / "LRx4" / f"{i}.png"), imresize(gt, 1 / scale))
    return root


VALIDATION = """
val_dataloader = dict(
    batch_size=1, num_workers=0, sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="pseudo_collate"),
    dataset=dict(type="PairedImageDataset", data_root="{data_root}", gt_folder="GT",
                 lq_folder="LRx4", scale=4, test_mode=True,
                 pipeline=[dict(type="LoadImageFromFile", key="gt"),
                           dict(type="LoadImageFromFile", key="lq"), dict(type="PackSRInputs")]))
val_cfg = dict(type="ValLoop")
val_evaluator = dict(type="SRMetrics", crop_border=4)
train_cfg.update(val_interval={interval})
"""


def validation(data_root: Path, interval: int) -> str:
    """Config lines that validate on ``data_root`` every ``interval`` iterations."""
    return VALIDATION.format(data_root=data_root, interval=interval)


def write_config(path: Path, data_root: Path, extra: str = "") -> Path:
    """A tiny ESRGAN training config on ``data_root``.

    ``extra`` is appended verbatim; it should change the dicts in place (e.g.
    ``train_cfg.update(max_iters=4)``), since a new ``train_cfg = dict(...)`` would
    replace the whole dict before the merge with the base config.
    """
    path.write_text(
        f"""
_base_ = ["{ROOT}/configs/demo/esrgan_rrdbnet-s_1xb4-300_demo_x4.py"]
custom_imports = dict(imports=["reliability_plugins"], allow_failed_imports=False)
model = dict(
    pretrained=None,
    pixel_loss=dict(type="NoisyL1Loss", loss_weight=1e-2),
    generator=dict(mid_channels=8, num_blocks=1, growth_channels=8),
    discriminator=dict(mid_channels=8, input_size=32),
    perceptual_loss=dict(layer_weights={{"conv1_1": 1.0}}),
    ema=dict(momentum=0.9),
)
train_pipeline = [
    dict(type="LoadImageFromFile", key="gt"),
    dict(type="LoadImageFromFile", key="lq"),
    dict(type="CountReads"),
    dict(type="PairedRandomCrop", gt_patch_size=32),
    dict(type="PairedFlipRot", hflip=True, vflip=True, rot90=True),
    dict(type="PackSRInputs"),
]
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False, prefetch_factor=None,
    dataset=dict(data_root="{data_root}", gt_folder="GT", lq_folder="LRx4",
                 pipeline=train_pipeline),
)
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None
test_datasets = []
train_cfg = dict(max_iters=6, val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=3, save_best=None, max_keep_ckpts=-1),
                     logger=dict(interval=1))
custom_hooks = []
randomness = dict(seed=7, deterministic=True)
{extra}
"""
    )
    return path


def train_in_process(config: Path, work_dir: Path, *options: str) -> None:
    """Run ``srzoo train`` in this process, its errors raised (for runs that stop early)."""
    args = build_parser().parse_args(["train", str(config), "--work-dir", str(work_dir), *options])
    train_command.run(args)  # errors propagate (the command line would print them)


def in_process_extra(name: str) -> str:
    """Config lines for an in-process run: a unique experiment, no global determinism."""
    return f"experiment_name = {name!r}\nrandomness = dict(seed=7, deterministic=False)\n"


def train_env(**extra: str) -> dict:
    """Environment for a training subprocess: the test plugins importable, one thread."""
    env = dict(os.environ, PYTHONPATH=f"{HERE}:{ROOT}", OMP_NUM_THREADS="1")
    env.update(extra)
    return env


def train_args(config: Path, work_dir: Path, *options: str) -> list:
    return [sys.executable, str(TRAIN), str(config), "--work-dir", str(work_dir), *options]


def run_train(config: Path, work_dir: Path, *options: str, **env: str):
    """Run tools/train.py to completion; return the CompletedProcess (text output)."""
    return subprocess.run(
        train_args(config, work_dir, *options),
        capture_output=True,
        text=True,
        env=train_env(**env),
        timeout=600,
    )


def start_train(config: Path, work_dir: Path, *options: str, **env: str) -> subprocess.Popen:
    """Start tools/train.py in the background (output to ``work_dir``.log)."""
    work_dir.parent.mkdir(parents=True, exist_ok=True)
    log = open(f"{work_dir}.log", "ab")  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(
        train_args(config, work_dir, *options), stdout=log, stderr=log, env=train_env(**env)
    )


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen, timeout: float = 300):
    """Poll ``condition`` every 10 ms; fail if ``proc`` ends or time runs out first."""
    end = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"training ended (rc {proc.returncode}) before the condition")
        if time.monotonic() > end:
            proc.kill()
            raise AssertionError("timed out waiting for the training run")
        time.sleep(0.01)


def sigkill(proc: subprocess.Popen) -> None:
    """SIGKILL ``proc`` (it must still be running) and reap it."""
    assert proc.poll() is None, "the run finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)


def network_weights(path: Path, prefixes=NETS) -> dict:
    """The generator / discriminator / EMA tensors of a checkpoint (loaded safely)."""
    state = load_checkpoint_file(path)["state_dict"]  # torch.load(weights_only=True) inside
    return {k: v for k, v in state.items() if k.startswith(prefixes)}


def assert_bit_identical(a: dict, b: dict) -> None:
    """Same keys, and ``torch.equal`` on every tensor."""
    assert a.keys() == b.keys()
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, f"{len(different)} tensors differ, e.g. {different[:3]}"


def assert_same_training(a: dict, b: dict) -> None:
    """The weights of two runs with ``randomness.deterministic=False`` match.

    On the CPU such runs are bit-identical. With CUDA, mmengine's Runner trains on the GPU,
    where cuDNN autotuning and atomic adds change the last bits unless the run asked for
    determinism (docs/reliability.md), so there the tensors must agree to float rounding.
    """
    if not torch.cuda.is_available():
        return assert_bit_identical(a, b)
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(b[key], a[key], rtol=1e-3, atol=1e-5, msg=key)


def last_pointer(work_dir: Path) -> Optional[str]:
    pointer = work_dir / "last_checkpoint"
    return pointer.read_text() if pointer.exists() else None
