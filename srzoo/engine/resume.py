"""What an exact resume needs beyond mmengine's checkpoint: RNG states and the newest
checkpoint that is actually usable.

Every value here is made of plain Python numbers, lists and tensors, so a checkpoint
carrying it still loads with ``torch.load(weights_only=True)``.
"""

import contextlib
import logging
import random
from pathlib import Path
from typing import Iterator, Optional

import numpy as np
import torch
from mmengine.logging import print_log

from srzoo.checkpoint.io import PathLike, load_checkpoint_file
from srzoo.checkpoint.weights import checkpoint_pointer
from srzoo.errors import CorruptCheckpointError, UnsafeCheckpointError


def capture_rng() -> dict:
    """The states of Python's, numpy's and torch's global RNGs (CPU, and CUDA if in use)."""
    _, key, pos, has_gauss, gauss = np.random.get_state()
    state = dict(
        python=random.getstate(),
        numpy=dict(key=key.tolist(), pos=int(pos), has_gauss=int(has_gauss), gauss=float(gauss)),
        torch=torch.get_rng_state(),
    )
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict) -> None:
    """Set the global RNGs to ``state`` (from :func:`capture_rng`)."""
    version, internal, gauss_next = state["python"]
    random.setstate((version, tuple(internal), gauss_next))
    np_state = state["numpy"]
    key = np.asarray(np_state["key"], dtype=np.uint32)
    np.random.set_state(("MT19937", key, np_state["pos"], np_state["has_gauss"], np_state["gauss"]))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


@contextlib.contextmanager
def preserved_rng() -> Iterator[None]:
    """Run the block without changing the global RNG states (e.g. validation)."""
    state = capture_rng()
    try:
        yield
    finally:
        restore_rng(state)


def _checkpoint_step(path: Path) -> int:
    """N of ``iter_N.pth`` / ``epoch_N.pth``; -1 for other names."""
    stem, _, number = path.stem.rpartition("_")
    return int(number) if stem in ("iter", "epoch") and number.isdigit() else -1


def _candidates(work_dir: Path) -> list:
    """``iter_N.pth`` / ``epoch_N.pth`` and the ``last_checkpoint`` target, newest first."""
    found = {p for p in work_dir.glob("*.pth") if _checkpoint_step(p) >= 0}
    named = checkpoint_pointer(work_dir)  # the work dir's own file first, if it moved
    if named is not None:
        found.add(named)
    return sorted(found, key=lambda p: (_checkpoint_step(p), p.name), reverse=True)


def latest_valid_checkpoint(work_dir: PathLike) -> Optional[Path]:
    """The newest checkpoint in ``work_dir`` that loads safely and holds a training state.

    Each candidate is loaded with srzoo's safe loader; one that is unreadable, truncated,
    unsafe, or has no ``state_dict`` and ``meta``, is skipped with a warning naming it and
    the reason, and the previous one is tried.

    Args:
        work_dir: The training work dir.

    Returns:
        The path, or None when there is no usable checkpoint.
    """
    for path in _candidates(Path(work_dir)):
        try:
            obj = load_checkpoint_file(path)
        except (CorruptCheckpointError, UnsafeCheckpointError, OSError) as err:
            reason = str(err)
        else:
            if isinstance(obj, dict) and "state_dict" in obj and "meta" in obj:
                return path
            reason = "not a training checkpoint (no state_dict and meta)"
        print_log(
            f"auto-resume skips {path}: {reason}; trying the previous checkpoint",
            logger="current",
            level=logging.WARNING,
        )
    return None
