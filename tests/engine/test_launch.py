"""``setup_launcher``: the backend the log shows, and cuBLAS's deterministic workspace."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from srzoo.engine.launch import check_gpus_per_process, finish_launcher, setup_launcher
from srzoo.errors import UsageError

ROOT = Path(__file__).resolve().parents[2]


def runtime_cfg(deterministic: bool) -> Config:
    return Config(
        dict(
            env_cfg=dict(cudnn_benchmark=True, dist_cfg=dict(backend="nccl")),
            randomness=dict(seed=0, deterministic=deterministic),
        )
    )


@pytest.mark.parametrize("cuda, backend", [(False, "gloo"), (True, "nccl")])
def test_single_process_config_names_the_backend_of_this_machine(monkeypatch, cuda, backend):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    cfg = runtime_cfg(deterministic=False)
    setup_launcher(cfg, "none")
    assert cfg.env_cfg.dist_cfg.backend == backend
    assert cfg.launcher == "none"
    assert "model_wrapper_cfg" not in cfg  # single process: no DDP wrapper settings


def test_deterministic_runs_get_the_cublas_workspace_setting(monkeypatch):
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    setup_launcher(runtime_cfg(deterministic=False), "none")
    assert "CUBLAS_WORKSPACE_CONFIG" not in os.environ
    setup_launcher(runtime_cfg(deterministic=True), "none")
    assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"


def test_a_cublas_setting_of_the_user_is_kept(monkeypatch):
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", ":16:8")
    setup_launcher(runtime_cfg(deterministic=True), "none")
    assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":16:8"


def fake_gpus(monkeypatch, count: int) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: count > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)


@pytest.mark.parametrize(("gpus", "procs"), [(0, 8), (1, 1), (2, 2), (8, 4)])
def test_processes_that_fit_the_gpus_pass(monkeypatch, gpus, procs):
    fake_gpus(monkeypatch, gpus)
    monkeypatch.setenv("LOCAL_WORLD_SIZE", str(procs))
    check_gpus_per_process()


def test_more_processes_than_gpus_is_refused_with_the_ways_out(monkeypatch):
    fake_gpus(monkeypatch, 1)
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")
    with pytest.raises(UsageError, match=r"2 processes .* 1 GPU.*NUM_PROCS <= 1.*CUDA_VISIBLE"):
        check_gpus_per_process()
    monkeypatch.delenv("LOCAL_WORLD_SIZE")
    check_gpus_per_process()  # no torchrun: one process


def test_train_command_refuses_before_reading_anything(tmp_path):
    """``srzoo train`` (what dist_train.sh's checking process runs) on a one-GPU machine."""
    (tmp_path / "sitecustomize.py").write_text(
        "import torch\n"
        "torch.cuda.is_available = lambda: True\n"
        "torch.cuda.device_count = lambda: 1\n"
    )
    env = dict(os.environ, LOCAL_WORLD_SIZE="2", PYTHONPATH=f"{tmp_path}:{ROOT}")
    cmd = [sys.executable, "-m", "srzoo.cli", "train", "configs/esrgan_x4.py", "--check"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("srzoo: error: 2 processes on this node but 1 GPU(s)"), proc.stderr
    assert "LOCAL_WORLD_SIZE=$NPROCS" in (ROOT / "tools/dist_train.sh").read_text()


def test_finish_launcher_ends_the_process_group():
    import socket

    import torch.distributed as dist

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=0, world_size=1)
    finish_launcher()
    assert not dist.is_initialized()
    finish_launcher()  # no group: nothing to do
