"""tools/dist_train.sh runs two CPU processes with gloo and keeps the ranks in sync."""

import os
import subprocess
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]


def write_config(tmp_path: Path, data_root: Path) -> Path:
    cfg = tmp_path / "esrgan_dist_test.py"
    cfg.write_text(
        f"""
_base_ = ["{ROOT}/configs/demo/esrgan_rrdbnet-s_1xb4-300_demo_x4.py"]
custom_imports = dict(imports=["rank_dump_hook"], allow_failed_imports=False)
model = dict(pretrained=None, perceptual_loss=dict(layer_weights={{"conv2_2": 1.0}}),
             ema=dict(momentum=0.9))
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False, prefetch_factor=None,
                        dataset=dict(data_root="{data_root}/train"))
val_dataloader = dict(dataset=dict(data_root="{data_root}/val"))
test_dataloader = val_dataloader
test_datasets = []
train_cfg = dict(max_iters=4, val_interval=100)
default_hooks = dict(checkpoint=dict(interval=4, save_best=None), logger=dict(interval=1))
custom_hooks = [dict(type="RankDumpHook")]
"""
    )
    return cfg


def test_dist_train_two_cpu_processes(tmp_path):
    data = tmp_path / "demo"
    subprocess.run(
        [sys.executable, str(ROOT / "tools/prepare_demo_data.py"), "--out", str(data)],
        check=True,
        capture_output=True,
    )
    cfg = write_config(tmp_path, data)
    work = tmp_path / "work"
    env = dict(os.environ, PYTHONPATH=f"{ROOT / 'tests/tools'}:{ROOT}", PYTHON=sys.executable)
    env["PORT"] = str(29500 + os.getpid() % 1000)
    env["CUDA_VISIBLE_DEVICES"] = ""  # CPU processes with gloo on any machine
    proc = subprocess.run(
        ["bash", str(ROOT / "tools/dist_train.sh"), str(cfg), "2", "--work-dir", str(work)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    # No warnings a user cannot act on (torch's DDP deprecation, mmengine's MKL notice).
    for noise in ("broadcast_buffers", "MKL_NUM_THREADS", "Traceback"):
        assert noise not in proc.stdout + proc.stderr, noise
    assert (work / "iter_4.pth").is_file()
    assert (work / "last_checkpoint").read_text().strip().endswith("iter_4.pth")
    rank0 = torch.load(work / "generator_rank0.pt", weights_only=True)
    rank1 = torch.load(work / "generator_rank1.pt", weights_only=True)
    assert rank0.keys() == rank1.keys()
    assert all(torch.equal(rank0[k], rank1[k]) for k in rank0)
    ckpt = torch.load(work / "iter_4.pth", map_location="cpu", weights_only=False)
    assert int(ckpt["state_dict"]["step_counter"]) == 4
    assert torch.equal(
        ckpt["state_dict"]["generator.conv_first.weight"], rank0["conv_first.weight"]
    )
