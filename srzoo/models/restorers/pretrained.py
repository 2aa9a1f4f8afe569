"""Initialise a generator from a PSNR-oriented checkpoint in any supported layout."""

from pathlib import Path

from torch import nn


def resolve_checkpoint(path: str) -> str:
    """``path`` itself, or for a work dir the checkpoint its ``last_checkpoint`` names."""
    folder = Path(path)
    if not folder.is_dir():
        return path
    pointer = folder / "last_checkpoint"
    if not pointer.is_file():
        raise FileNotFoundError(f"{path} is a folder without a last_checkpoint file; pass a file")
    return pointer.read_text().strip()


def load_pretrained(module: nn.Module, path: str, prefix: str = "generator", strict: bool = True):
    """Load generator weights from ``path`` into ``module`` (unwrapped from DDP).

    The file may be an srzoo or MMagic checkpoint (``state_dict`` with ``generator.`` /
    ``generator_ema.`` prefixes; ``prefix`` picks one), a BasicSR file (``params`` /
    ``params_ema``), or any other layout that :mod:`srzoo.apis.convert` reads. Loading is
    safe (``weights_only``).

    Args:
        module (nn.Module): The generator to fill.
        path (str): Checkpoint file, or a work dir whose ``last_checkpoint`` names one.
        prefix (str): Sub-module to take, ``generator`` or ``generator_ema``.
        strict (bool): Require an exact key match. Default: True.
    """
    from srzoo.apis.convert import to_basicsr
    from srzoo.engine.checkpoint import load_checkpoint_file

    state_dict = to_basicsr(load_checkpoint_file(resolve_checkpoint(path)), prefix=prefix)
    name = type(getattr(module, "module", module)).__name__
    load_into(module, state_dict, f"cannot initialise {name} from {path}", strict=strict)


def load_into(module: nn.Module, state_dict: dict, context: str, strict: bool = True) -> None:
    """``load_state_dict`` into ``module`` (unwrapped from DDP); a mismatch raises
    ``RuntimeError`` starting with ``context`` (which names the file)."""
    target = getattr(module, "module", module)
    try:
        target.load_state_dict(state_dict, strict=strict)
    except RuntimeError as err:
        raise RuntimeError(f"{context}: {err}") from None
