"""Small shared building blocks and initialisation helpers for srzoo networks."""

from typing import Callable, Dict, Iterable, Sequence, Union

import torch
import torch.nn.functional as F
from torch import nn

ModuleOrModules = Union[nn.Module, Iterable[nn.Module]]


@torch.no_grad()
def default_init_weights(
    module_or_list: ModuleOrModules, scale: float = 1.0, bias_fill: float = 0.0
) -> None:
    """Initialise every conv, linear and batch-norm layer inside the given module(s).

    ``Conv2d`` and ``Linear`` weights get Kaiming-normal (fan-in, gain for ReLU) values
    multiplied by ``scale``; their biases are filled with ``bias_fill``. Batch-norm weights
    are set to 1 and biases to ``bias_fill``. ESRGAN (Wang et al., ECCV-W 2018) uses
    ``scale=0.1`` so that deep residual stacks start close to the identity.

    Args:
        module_or_list: One module or an iterable of modules; their submodules are visited.
        scale: Multiplier applied to the Kaiming-initialised weights. Default: 1.0.
        bias_fill: Constant for every bias. Default: 0.0.
    """
    modules = [module_or_list] if isinstance(module_or_list, nn.Module) else module_or_list
    for root in modules:
        for m in root.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)
                m.weight.mul_(scale)
                if m.bias is not None:
                    m.bias.fill_(bias_fill)
            elif isinstance(m, nn.modules.batchnorm._BatchNorm):
                if m.weight is not None:
                    m.weight.fill_(1.0)
                if m.bias is not None:
                    m.bias.fill_(bias_fill)


def make_layer(block_factory: Callable[[], nn.Module], num_blocks: int) -> nn.Sequential:
    """Stack ``num_blocks`` fresh blocks, each made by calling ``block_factory()``.

    Args:
        block_factory: Zero-argument callable returning a new block (e.g. a lambda or
            ``functools.partial``).
        num_blocks: How many blocks to stack; keys become ``0 .. num_blocks - 1``.

    Returns:
        ``nn.Sequential`` of the blocks.

    Raises:
        ValueError: If ``num_blocks`` is negative.
    """
    if num_blocks < 0:
        raise ValueError(f"num_blocks must be >= 0, got {num_blocks}")
    return nn.Sequential(*(block_factory() for _ in range(num_blocks)))


def check_upscale_factor(name: str, upscale_factor: int, supported: Sequence[int]) -> int:
    """Validate ``upscale_factor`` against the scales a network supports.

    Args:
        name: Network name used in the message, e.g. ``"RRDBNet"``.
        upscale_factor: The requested scale.
        supported: The supported scales, e.g. ``(1, 2, 4)``.

    Returns:
        ``upscale_factor`` unchanged.

    Raises:
        ValueError: e.g. ``"RRDBNet supports upscale_factor in (1, 2, 4), got 3"``.
    """
    supported = tuple(supported)
    valid = isinstance(upscale_factor, int) and not isinstance(upscale_factor, bool)
    if not valid or upscale_factor not in supported:
        raise ValueError(f"{name} supports upscale_factor in {supported}, got {upscale_factor!r}")
    return upscale_factor


def check_positive(name: str, values: Dict[str, int]) -> None:
    """Raise ``ValueError`` naming the argument if any of ``values`` is not a positive int.

    Args:
        name: Network name used in the message.
        values: Argument name to value, e.g. ``{"mid_channels": 64}``.
    """
    for key, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name}: {key} must be a positive int, got {value!r}")


def pad_to_multiple(x: torch.Tensor, multiple: int) -> torch.Tensor:
    """Pad the bottom/right of ``x`` (N, C, H, W) so that H and W are multiples of ``multiple``.

    Reflect padding is used when the image is large enough for it, replicate otherwise.

    Args:
        x: Input of shape (N, C, H, W).
        multiple: Required divisor of H and W.

    Returns:
        Tensor of shape (N, C, ceil(H / m) * m, ceil(W / m) * m); ``x`` itself if no
        padding is needed.
    """
    h, w = x.shape[-2:]
    pad_h, pad_w = (-h) % multiple, (-w) % multiple
    if pad_h == 0 and pad_w == 0:
        return x
    mode = "reflect" if pad_h < h and pad_w < w else "replicate"
    return F.pad(x, (0, pad_w, 0, pad_h), mode=mode)
