"""Speed options of the restorers: ``channels_last`` memory format and ``torch.compile``.

Both leave the state dict alone. ``channels_last`` only changes how 4-D weights are laid
out in memory; :func:`compile_forward` uses ``nn.Module.compile``, which compiles the
module's call in place instead of wrapping it, so checkpoints keep ``generator.x`` keys
(never ``generator._orig_mod.x``) and load into uncompiled models unchanged.
"""

from typing import Any, Optional, Union

import torch
from torch import nn

CompileOption = Union[bool, dict]


def _channels_last_inputs(module: nn.Module, args: tuple) -> tuple:
    """Forward pre-hook: 4-D tensor arguments to ``torch.channels_last`` (no-op if already)."""
    return tuple(
        a.contiguous(memory_format=torch.channels_last)
        if isinstance(a, torch.Tensor) and a.dim() == 4
        else a
        for a in args
    )


def use_channels_last(module: nn.Module) -> nn.Module:
    """Lay ``module``'s 4-D weights out channels-last and convert its 4-D inputs on entry.

    On CPUs (oneDNN) and on tensor-core GPUs, convolutions run fastest in NHWC. Converting
    inputs in a pre-hook makes the option independent of who calls the module (train step,
    losses, validation, tiling).

    Args:
        module (nn.Module): Changed in place.

    Returns:
        nn.Module: ``module``.
    """
    module.to(memory_format=torch.channels_last)
    module.register_forward_pre_hook(_channels_last_inputs)
    return module


def compile_options(option: CompileOption) -> Optional[dict]:
    """``compile`` restorer option -> ``torch.compile`` keyword arguments, or None (off).

    Raises:
        ValueError: ``option`` is neither a bool nor a dict.
    """
    if isinstance(option, bool):
        return {} if option else None
    if isinstance(option, dict):
        return dict(option)
    raise ValueError(f"compile must be a bool or a dict of torch.compile arguments, got {option!r}")


def compile_forward(module: nn.Module, options: dict) -> nn.Module:
    """Compile ``module``'s call in place (``nn.Module.compile``); the keys do not change.

    Args:
        module (nn.Module): Changed in place.
        options (dict): ``torch.compile`` arguments, e.g. ``dict(mode="max-autotune")``.

    Returns:
        nn.Module: ``module``.
    """
    module.compile(**options)
    return module


def accelerate(
    module: Optional[nn.Module], *, channels_last: bool = False, compile: CompileOption = False
) -> Any:
    """Apply the restorer's speed options to one part (``None`` passes through).

    Args:
        module (nn.Module | None): A generator, discriminator or feature extractor.
        channels_last (bool): See :func:`use_channels_last`. Default: False.
        compile (bool | dict): True or ``torch.compile`` arguments. Default: False.
    """
    options = compile_options(compile)
    if module is None:
        return None
    if channels_last:
        use_channels_last(module)
    if options is not None:
        compile_forward(module, options)
    return module
