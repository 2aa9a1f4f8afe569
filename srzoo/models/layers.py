"""Small shared building blocks and initialisation helpers for srzoo networks."""

from typing import Callable, Dict, Iterable, Union

import torch
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


def check_positive(name: str, values: Dict[str, int]) -> None:
    """Raise ``ValueError`` naming the argument if any of ``values`` is not a positive int.

    Args:
        name: Network name used in the message.
        values: Argument name to value, e.g. ``{"mid_channels": 64}``.
    """
    for key, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name}: {key} must be a positive int, got {value!r}")
