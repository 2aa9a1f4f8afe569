"""Exponential moving average of the generator (``generator_ema``)."""

from typing import Optional

import torch
from mmengine.hooks import Hook
from torch import nn

from srzoo.registry import HOOKS
from srzoo.utils.wrappers import unwrap


@torch.no_grad()
def ema_update(ema: nn.Module, live: nn.Module, momentum: float) -> None:
    """``ema = momentum * ema + (1 - momentum) * live`` for float parameters and buffers.

    Integer buffers (e.g. BatchNorm's ``num_batches_tracked``) are copied.

    Args:
        ema (nn.Module): The averaged copy, updated in place.
        live (nn.Module): The trained module (unwrapped from DDP), same structure.
        momentum (float): Weight of the old average, in [0, 1).
    """
    ema_state = ema.state_dict(keep_vars=True)
    for name, value in live.state_dict(keep_vars=True).items():
        target = ema_state[name]
        if target.dtype.is_floating_point:
            target.lerp_(value.detach().to(target.dtype), 1.0 - momentum)
        else:
            target.copy_(value)


@HOOKS.register_module()
class GeneratorEMAHook(Hook):
    """Update the restorer's ``generator_ema`` after every ``interval`` training iterations.

    The restorer must be built with ``ema=True``. The average is part of the model's state
    dict (``generator_ema.*``), so it is saved and resumed with the checkpoint, and
    validation and test use it.

    Args:
        momentum (float): Weight of the old average (0.999 in Real-ESRGAN). Default: 0.999.
        interval (int): Update every ``interval`` iterations. Default: 1.
        start_iter (int): Before this iteration the average copies the generator.
            Default: 0.
    """

    priority = "NORMAL"

    def __init__(self, momentum: float = 0.999, interval: int = 1, start_iter: int = 0) -> None:
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        self.momentum = momentum
        self.interval = interval
        self.start_iter = start_iter

    def after_train_iter(
        self, runner, batch_idx: int, data_batch: Optional[dict] = None, outputs=None
    ) -> None:
        """Blend the generator into ``generator_ema``."""
        model = unwrap(runner.model)
        if getattr(model, "generator_ema", None) is None:
            raise RuntimeError("GeneratorEMAHook needs a restorer built with ema=True")
        if (runner.iter + 1) % self.interval:
            return
        momentum = 0.0 if runner.iter < self.start_iter else self.momentum
        ema_update(model.generator_ema, unwrap(model.generator), momentum)
