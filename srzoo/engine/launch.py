"""Shared set-up for ``srzoo train`` and ``srzoo test``: config, launcher, AMP, devices.

The CPU paths work around two mmengine traps (docs/mmengine_traps.md):
``init_dist('pytorch')`` calls ``torch.cuda.set_device`` on CPU-only torch, and the Runner
gives DDP wrappers
``device_ids=[LOCAL_RANK]``. Without CUDA srzoo starts the gloo process group itself,
before the Runner, and the separate-DDP wrapper runs without device ids.
"""

import os
import sys
import warnings
from pathlib import Path
from typing import Optional, Tuple

import torch
import torch.distributed as dist
from mmengine.config import Config, DictAction
from mmengine.logging import print_log

from srzoo.engine.amp import native_bf16
from srzoo.engine.config_scale import check_scale, set_scale
from srzoo.errors import MissingDependencyError, UsageError
from srzoo.utils.config_check import check_config
from srzoo.utils.names import AUTOCAST_PRECISIONS, precision_dtype

__all__ = ["DictAction", "load_config", "setup_launcher", "apply_amp"]


def load_config(
    path: str,
    options: Optional[dict] = None,
    work_dir: Optional[str] = None,
    scale: Optional[int] = None,
):
    """Read ``path`` (with ``_base_`` inheritance), merge ``--cfg-options``, set ``work_dir``.

    Args:
        path: The config file.
        options: ``--cfg-options`` overrides. Default: None.
        work_dir: Overrides the config's ``work_dir``. Default: None
            (``work_dirs/<config name>``).
        scale: Change every scale setting to this (``--scale``; see
            :func:`srzoo.engine.config_scale.set_scale`). Default: None.

    Raises:
        FileNotFoundError: The config file does not exist.
        ConfigKeyError: A key that the class it configures does not take.
        KeyError: An unregistered ``type`` of the model, a data set, sampler or hook.
        UsageError: Scale settings that disagree, each key named.
    """
    if not Path(path).is_file():
        raise FileNotFoundError(f"config file not found: {path}")
    folder = str(Path(path).resolve().parent)
    if folder not in sys.path:  # custom_imports of a module placed next to the config
        sys.path.append(folder)
    cfg = Config.fromfile(path)
    if options:
        cfg.merge_from_dict(options)
    if scale is not None:
        set_scale(cfg, scale)
    cfg.work_dir = work_dir or cfg.get("work_dir") or str(Path("work_dirs") / Path(path).stem)
    check_config(cfg)  # misspelled keys and types fail here, naming the nearest names
    check_scale(cfg, scale_option=scale is not None)  # generator, data, crops and D agree
    return cfg


def _slurm_to_torch_env() -> None:
    """Map SLURM's process variables onto the torchrun names the Runner expects."""
    nodes = os.environ.get("SLURM_NODELIST", "127.0.0.1")
    os.environ.setdefault("RANK", os.environ["SLURM_PROCID"])
    os.environ.setdefault("WORLD_SIZE", os.environ["SLURM_NTASKS"])
    os.environ.setdefault("LOCAL_RANK", os.environ.get("SLURM_LOCALID", "0"))
    os.environ.setdefault("MASTER_PORT", os.environ.get("PORT", "29500"))
    if "MASTER_ADDR" not in os.environ:
        import subprocess

        first = subprocess.getoutput(f"scontrol show hostname {nodes} | head -n1").strip()
        os.environ["MASTER_ADDR"] = first or "127.0.0.1"


def check_gpus_per_process() -> None:
    """One GPU per local process: refuse more local processes than this machine has GPUs.

    The local process count is torchrun's ``LOCAL_WORLD_SIZE`` (``tools/dist_train.sh`` sets
    it for its checking process too); without it, one process.

    Raises:
        UsageError: CUDA is available and the node runs more processes than it has GPUs
            (mmengine would fail with an ``IndexError`` in its logger).
    """
    procs = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if 0 < gpus < procs:
        raise UsageError(
            f"{procs} processes on this node but {gpus} GPU(s): run one process per GPU "
            f"(NUM_PROCS <= {gpus}), or set CUDA_VISIBLE_DEVICES= for {procs} CPU processes "
            "with gloo"
        )


def setup_launcher(cfg: Config, launcher: str) -> None:
    """Prepare ``cfg`` for ``launcher`` ('none', 'pytorch' or 'slurm').

    On a machine without CUDA the backend is gloo (the log shows what runs), the gloo
    process group is started here (before the Runner), and DDP wrappers get no
    ``device_ids``. With ``randomness.deterministic`` cuBLAS gets the workspace setting that
    its deterministic mode needs (``CUBLAS_WORKSPACE_CONFIG=:4096:8``, unless already set).
    """
    cfg.launcher = launcher
    if (cfg.get("randomness") or {}).get("deterministic"):
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    if launcher != "none":
        # torch's DDP deprecates the broadcast_buffers=False that mmengine's wrappers pass,
        # and its own warning says to keep it until init_sync_buffers exists.
        warnings.filterwarnings("ignore", "`broadcast_buffers` is deprecated", FutureWarning)
    if torch.cuda.is_available():
        return
    cfg.env_cfg.setdefault("dist_cfg", {})["backend"] = "gloo"
    if launcher == "none":
        return
    if launcher == "slurm":
        _slurm_to_torch_env()
    wrapper = cfg.get("model_wrapper_cfg") or dict(type="MMSeparateDistributedDataParallel")
    wrapper["device_ids"] = None  # the Runner's default [LOCAL_RANK] is for GPU modules only
    cfg.model_wrapper_cfg = wrapper
    if not dist.is_initialized():
        dist.init_process_group(backend="gloo")


def finish_launcher() -> None:
    """End the process group this process started or joined, if any.

    Left to interpreter shutdown, gloo's threads can outlive the group: one rank in five
    aborted with ``terminate called without an active exception`` after a good 2-process
    run (and torchrun then reports the whole run failed).
    """
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def add_tensorboard(cfg: Config) -> None:
    """Log scalars to TensorBoard too (``work_dir/<timestamp>/vis_data``), beside the files.

    Raises:
        MissingDependencyError: tensorboard is not installed (``pip install
            "srzoo[tensorboard]"``).
    """
    try:
        import tensorboard  # noqa: F401  (mmengine's backend imports it when it starts)
    except ImportError as err:
        raise MissingDependencyError(
            'TensorBoard logging needs the tensorboard package: pip install "srzoo[tensorboard]"'
        ) from err
    visualizer = cfg.get("visualizer") or dict(type="Visualizer", vis_backends=[])
    backends = list(visualizer.get("vis_backends") or [])
    if not any(b.get("type") == "TensorboardVisBackend" for b in backends):
        backends.append(dict(type="TensorboardVisBackend"))
    visualizer["vis_backends"] = backends
    cfg.visualizer = visualizer


def choose_amp(device: Optional[str] = None) -> Tuple[Optional[str], str]:
    """``--amp auto``: bf16 where the training device runs it natively, else fp32.

    Returns:
        (``"bf16"`` or None, the reason, for the log).
    """
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    native, why = native_bf16(device)
    if native:
        return "bf16", f"--amp auto: bf16 autocast + channels_last on {device}, because {why}"
    return None, f"--amp auto: fp32 on {device}, because {why}"


def apply_amp(cfg: Config, dtype: Optional[str]) -> None:
    """Switch every optimizer wrapper in ``cfg`` to mixed precision (``bf16`` or ``fp16``).

    Each wrapper becomes a ``MixedPrecisionOptimWrapper`` (autocast on CPU or GPU), keeping
    its optimizer, ``clip_grad`` and ``accumulative_counts``. fp16 gets one dynamic
    GradScaler per wrapper (generator and discriminator apart); bf16 needs none. ``auto``
    takes :func:`choose_amp`'s choice, turns ``channels_last`` on with bf16, and logs which
    was chosen and why.
    """
    if dtype == "auto":
        dtype, why = choose_amp()
        print_log(why, logger="current")
        if dtype:
            cfg.model["channels_last"] = True
    if not dtype:
        return
    if dtype not in AUTOCAST_PRECISIONS:
        raise UsageError(f"--amp takes {' or '.join(AUTOCAST_PRECISIONS)}, got {dtype!r}")
    torch_dtype = str(precision_dtype(dtype)).replace("torch.", "")
    optim = cfg.optim_wrapper
    wrappers = (
        [optim] if "optimizer" in optim else [v for k, v in optim.items() if k != "constructor"]
    )
    for wrapper in wrappers:
        wrapper["type"] = "MixedPrecisionOptimWrapper"
        wrapper["dtype"] = torch_dtype
        wrapper["loss_scale"] = "dynamic" if dtype == "fp16" else None
