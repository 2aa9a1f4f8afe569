"""Exponential moving average of the generator (``generator_ema``): the ``ema`` setting.

The restorer option ``ema`` is the one switch: ``True`` (the defaults below) or
``dict(momentum=0.999, interval=1, start_iter=0)``. The restorer then keeps a copy
``generator_ema`` (state-dict keys ``generator_ema.*``, used for validation and test) and
blends the generator into it at the end of every ``train_step`` (:meth:`EMASchedule.momentum_at`
says when and how much). Real-ESRGAN (Wang et al., ICCVW 2021) uses momentum 0.999;
BasicSR's ``model_ema`` is the reference implementation of the update.
"""

from typing import Optional, Union

import torch
from torch import nn

from srzoo.errors import UsageError
from srzoo.utils.registry_hint import check_keys

EMAOption = Union[bool, dict, None]


@torch.no_grad()
def ema_update(ema: nn.Module, live: nn.Module, momentum: float) -> None:
    """``ema = momentum * ema + (1 - momentum) * live`` for float parameters and buffers.

    Integer buffers (e.g. BatchNorm's ``num_batches_tracked``) are copied.

    Args:
        ema (nn.Module): The averaged copy, updated in place.
        live (nn.Module): The trained module (unwrapped from DDP), same structure.
        momentum (float): Weight of the old average, in [0, 1); 0 copies ``live``.
    """
    ema_state = ema.state_dict(keep_vars=True)
    for name, value in live.state_dict(keep_vars=True).items():
        target = ema_state[name]
        if target.dtype.is_floating_point:
            target.lerp_(value.detach().to(target.dtype), 1.0 - momentum)
        else:
            target.copy_(value)


class EMASchedule:
    """When the average is updated, and with which momentum.

    Args:
        momentum (float): Weight of the old average, in [0, 1). Default: 0.999.
        interval (int): Update after every ``interval``-th iteration (iterations
            ``interval - 1``, ``2 * interval - 1``, ...). Default: 1.
        start_iter (int): Before this iteration an update copies the generator (momentum 0).
            Default: 0.

    Raises:
        UsageError: ``momentum`` outside [0, 1), ``interval`` < 1 or ``start_iter`` < 0.
    """

    def __init__(self, momentum: float = 0.999, interval: int = 1, start_iter: int = 0) -> None:
        if not 0.0 <= momentum < 1.0:
            raise UsageError(f"model.ema: momentum must be in [0, 1), got {momentum}")
        if isinstance(interval, bool) or int(interval) != interval or interval < 1:
            raise UsageError(f"model.ema: interval must be an int >= 1, got {interval!r}")
        if isinstance(start_iter, bool) or int(start_iter) != start_iter or start_iter < 0:
            raise UsageError(f"model.ema: start_iter must be an int >= 0, got {start_iter!r}")
        self.momentum = float(momentum)
        self.interval = int(interval)
        self.start_iter = int(start_iter)

    def momentum_at(self, step: int) -> Optional[float]:
        """The momentum of the update after iteration ``step`` (0-based), or None: no update."""
        if (step + 1) % self.interval:
            return None
        return 0.0 if step < self.start_iter else self.momentum

    def __repr__(self) -> str:
        return (
            f"EMASchedule(momentum={self.momentum}, interval={self.interval}, "
            f"start_iter={self.start_iter})"
        )


def ema_schedule(option: EMAOption) -> Optional[EMASchedule]:
    """The restorer's ``ema`` option -> its schedule, or None (no EMA).

    Args:
        option (bool | dict | None): False/None (off), True (defaults) or the
            :class:`EMASchedule` arguments.

    Raises:
        ConfigKeyError: a dict key :class:`EMASchedule` does not take (nearest names).
        UsageError: another type, or a bad value.
    """
    if option is None or option is False:
        return None
    if option is True:
        return EMASchedule()
    if isinstance(option, dict):
        check_keys(EMASchedule, option, "model.ema")
        return EMASchedule(**option)
    raise UsageError(
        f"model.ema must be True, False or dict(momentum=..., interval=..., start_iter=...), "
        f"got {option!r}"
    )
