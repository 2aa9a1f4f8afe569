"""The one way srzoo loads weights into a module: :func:`load_weights`.

Pretrained initialisation, test-time weights, the runner's ``load_from`` / resume, and the
VGG19 and LPIPS feature networks all load through it, so every path reads safely
(:func:`~srzoo.checkpoint.io.load_checkpoint_file`), accepts every container layout
(:mod:`~srzoo.checkpoint.layouts`), applies the target architecture's own key renames
(:meth:`srzoo.arch.SRArch.to_srzoo_keys`) and names the file when the weights do not fit.
"""

import logging
import os
import re
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence, Tuple, Union

from mmengine.logging import print_log
from torch import nn

from srzoo.arch import SRArch
from srzoo.checkpoint.io import METADATA_KEY, load_checkpoint_file
from srzoo.checkpoint.layouts import extract_state_dict
from srzoo.errors import WeightsError
from srzoo.utils.wrappers import unwrap

Source = Union[str, os.PathLike, Mapping[str, Any]]


def checkpoint_pointer(work_dir: Union[str, os.PathLike]) -> Optional[Path]:
    """The checkpoint a work dir's ``last_checkpoint`` names, found even if the folder moved.

    mmengine records an absolute path (or one relative to the directory training ran
    from). The work dir's own file of that name wins: a work dir copied or moved to another
    folder or machine points at its old place, which may be gone or hold another run's
    file. The recorded path is used only when the work dir has no such file.

    Args:
        work_dir: The training work dir.

    Returns:
        The checkpoint path, or None when there is no (readable) ``last_checkpoint`` or
        neither place holds the file.
    """
    folder = Path(work_dir)
    try:
        recorded = Path((folder / "last_checkpoint").read_text(encoding="utf-8").strip())
    except (OSError, UnicodeDecodeError):
        return None
    if not recorded.name:
        return None
    local = folder / recorded.name
    if local.is_file():
        return local
    return recorded if recorded.is_file() else None


def resolve_checkpoint(path: Union[str, os.PathLike]) -> str:
    """``path`` itself, or for a work dir the checkpoint its ``last_checkpoint`` names
    (:func:`checkpoint_pointer`: the work dir's own file of that name first).

    Raises:
        FileNotFoundError: a folder without a ``last_checkpoint`` file, or one that names a
            file found neither in the folder nor at the recorded path (both are named).
    """
    folder = Path(path)
    if not folder.is_dir():
        return str(path)
    pointer = folder / "last_checkpoint"
    if not pointer.is_file():
        raise FileNotFoundError(f"{path} is a folder without a last_checkpoint file; pass a file")
    found = checkpoint_pointer(folder)
    if found is None:
        recorded = pointer.read_text(encoding="utf-8").strip()
        raise FileNotFoundError(
            f"{pointer} names {recorded!r}, which exists neither there nor as "
            f"{folder / Path(recorded).name}; pass a checkpoint file"
        )
    return str(found)


def read_source(source: Source) -> Tuple[Any, str]:
    """(loaded checkpoint, its name for messages) of a path, a work dir or a loaded object."""
    if isinstance(source, (str, os.PathLike)):
        path = resolve_checkpoint(source)
        return load_checkpoint_file(path), str(path)
    return source, "the given state dict"


def load_weights(
    module: nn.Module,
    source: Source,
    *,
    prefix: Optional[str] = "generator",
    strict: bool = True,
    revise_keys: Sequence[Tuple[str, str]] = (),
    name: Optional[str] = None,
    skip_mismatched: bool = False,
) -> Any:
    """Load the ``prefix`` part of a checkpoint into ``module`` (unwrapped from DDP).

    Args:
        module: The network to fill (a generator, a restorer, a feature extractor).
        source: A checkpoint file (any layout srzoo reads, safetensors included), a work dir
            whose ``last_checkpoint`` names one, or an already loaded checkpoint.
        prefix: Which part: ``"generator"`` / ``"generator_ema"`` (each falling back to the
            other), another sub-module name such as ``"discriminator"``, ``""`` for a whole
            mmengine ``state_dict``, or None (the generator, EMA first). For a bare state
            dict every prefix takes the whole dict.
        strict: Require exactly matching keys (a mismatch raises). Default: True.
        revise_keys: ``(pattern, replacement)`` regexes applied to the keys first.
        name: How error messages name the source. Default: its path.
        skip_mismatched: Leave the tensors whose shape differs from the module's as they
            are (logged as a warning) instead of raising; with ``strict=False`` this is
            BasicSR's ``strict_load: False``, e.g. a x4 RRDBNet into a pixel-unshuffle x2
            one, whose ``conv_first`` takes 12 channels. Default: False.

    Returns:
        torch's ``_IncompatibleKeys`` (missing and unexpected keys, for ``strict=False``).

    Raises:
        FileNotFoundError, UnsafeCheckpointError, CorruptCheckpointError: from reading.
        WeightsError: nothing recognised, or weights that do not fit ``module`` (the message
            names the file, the module and the keys or shapes).
    """
    obj, source_name = read_source(source)
    name = name or source_name
    target = unwrap(module)
    state = extract_state_dict(obj, prefix)
    state.pop(METADATA_KEY, None)
    for pattern, replacement in revise_keys:
        state = {re.sub(pattern, replacement, k): v for k, v in state.items()}
    if isinstance(target, SRArch):
        state = target.to_srzoo_keys(state)
    if skip_mismatched:
        state = _drop_mismatched(target, state, name)
    try:
        return target.load_state_dict(state, strict=strict)
    except RuntimeError as err:
        what = type(target).__name__ + (f" ({prefix})" if prefix else "")
        why = _mismatch(target, state, err)
        raise WeightsError(f"{name}: its weights do not fit {what}; {why}") from None


def _drop_mismatched(target: nn.Module, state: Mapping[str, Any], name: str) -> dict:
    """``state`` without the tensors whose shape differs from ``target``'s; logs them."""
    own = {key: tuple(value.shape) for key, value in target.state_dict().items()}
    saved = {key: tuple(value.shape) for key, value in state.items() if hasattr(value, "shape")}
    skipped = {
        key: (shape, own[key]) for key, shape in saved.items() if own.get(key, shape) != shape
    }
    if skipped:
        shapes = ", ".join(
            f"{key} {saved} (module: {wanted})" for key, (saved, wanted) in skipped.items()
        )
        print_log(
            f"{name}: left as initialised, shapes differ: {shapes}",
            logger="current",
            level=logging.WARNING,
        )
    return {key: value for key, value in state.items() if key not in skipped}


def _mismatch(target: nn.Module, state: Mapping[str, Any], err: RuntimeError) -> str:
    """A short account of why ``state`` does not load: the differing keys, else torch's
    size-mismatch lines."""
    expected = set(target.state_dict())
    missing, unexpected = sorted(expected - set(state)), sorted(set(state) - expected)
    if missing or unexpected:
        return f"missing keys {missing[:8]}, unexpected keys {unexpected[:8]}"
    lines = [line.strip() for line in str(err).splitlines()[1:] if line.strip()]
    return "; ".join(lines[:4]) or str(err)
