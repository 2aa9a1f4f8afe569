"""Non-finite loss guard: a NaN/Inf loss skips its update and never reaches the weights.

A restorer's ``train_step`` runs each part's backward first (:func:`backward`), then asks
:meth:`NonFiniteGuard.check` which totals are finite, then steps only those parts
(:func:`step_if`). The check reads the finiteness flags *and* every logged value from the
device in one transfer and hands back Python floats, so mmengine's logging has nothing
left to synchronise: the guard moves the per-iteration host sync that logging already
makes, and adds none (see docs/reliability.md).

An optimizer is stepped after all backward passes, which is equivalent for the SRGAN
schedule: the discriminator's losses use the detached fake, so they do not depend on the
generator update, and the generator's adversarial loss used the discriminator as it
was before its update either way.
"""

from typing import Dict, Tuple

import torch
import torch.distributed as dist
from mmengine.optim import OptimWrapper

from srzoo.errors import NonFiniteLossError, UsageError

LOG_NAMES = {"generator": "nonfinite_g", "discriminator": "nonfinite_d"}


def backward(wrapper: OptimWrapper, loss: torch.Tensor) -> None:
    """The first half of ``OptimWrapper.update_params``: scale the loss, run backward.

    Raises:
        UsageError: ``loss`` reaches no parameter that requires a gradient. The known cause
            is ``compile=True`` on a torch whose compiled discriminator keeps the
            ``requires_grad=False`` of the generator step (torch 2.11; 2.13 is fine).
    """
    if not loss.requires_grad:
        raise UsageError(
            "a training loss has no gradient: no parameter it depends on requires one. With "
            f"compile=True, torch {torch.__version__}'s compiled module kept an old "
            "requires_grad setting (seen with torch 2.11; torch 2.13 works): set compile=False "
            "or upgrade torch"
        )
    wrapper.backward(wrapper.scale_loss(loss))


def step_if(wrapper: OptimWrapper, finite: bool) -> None:
    """The second half: step (when the accumulation window is full) and zero the grads.

    A non-finite loss drops the gradients instead, without touching the weights or the
    optimizer state (with gradient accumulation, the whole partial window is dropped).
    """
    if not finite:
        wrapper.zero_grad()
    elif wrapper.should_update():
        wrapper.step()
        wrapper.zero_grad()


class NonFiniteGuard:
    """Counts skipped updates per part and stops after ``patience`` bad iterations in a row.

    Args:
        patience (int): Raise :class:`NonFiniteLossError` after this many consecutive
            iterations with a non-finite loss; 0 never stops. Default: 10.
    """

    def __init__(self, patience: int = 10) -> None:
        if isinstance(patience, bool) or int(patience) != patience or patience < 0:
            raise ValueError(f"nonfinite_patience must be an int >= 0, got {patience!r}")
        self.patience = int(patience)
        self.counts = {name: 0 for name in LOG_NAMES}
        self.streak = 0
        self._bad_parts: Tuple[str, ...] = ()

    def check(
        self, totals: Dict[str, torch.Tensor], log_vars: Dict[str, torch.Tensor]
    ) -> Tuple[Dict[str, bool], Dict[str, float]]:
        """Which ``totals`` are finite, and ``log_vars`` as floats, in one device read.

        Args:
            totals (dict): Part name (``generator``/``discriminator``) -> summed loss.
            log_vars (dict): Scalar tensors to log.

        Returns:
            tuple: ``{part: finite}``, and the log values as floats plus the running counts
            of skipped updates (``nonfinite_g``, ``nonfinite_d``) for the parts seen.
        """
        flags = torch.stack([torch.isfinite(t.detach()).all() for t in totals.values()])
        flags = flags.to(torch.float32)
        if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
            dist.all_reduce(flags, op=dist.ReduceOp.MIN)  # grads are shared: skip together
        values = [v.detach().to(flags.device, torch.float32).reshape(1) for v in log_vars.values()]
        host = torch.cat([flags, *values]).tolist()
        finite = {name: flag > 0.5 for name, flag in zip(totals, host)}
        self._bad_parts = tuple(name for name, ok in finite.items() if not ok)
        for name in self._bad_parts:
            self.counts[name] += 1
        self.streak = self.streak + 1 if self._bad_parts else 0
        logged = dict(zip(log_vars, host[len(totals) :]))
        logged.update({LOG_NAMES[n]: float(c) for n, c in self.counts.items() if n in totals})
        return finite, logged

    def raise_if_exhausted(self) -> None:
        """Raise :class:`NonFiniteLossError` once ``patience`` bad iterations ran in a row."""
        if self.patience and self.streak >= self.patience:
            raise NonFiniteLossError(
                f"the {' and '.join(self._bad_parts)} loss was NaN or Inf for {self.streak} "
                f"consecutive iterations (nonfinite_patience={self.patience}); those updates "
                f"were skipped (skipped so far: {self.counts}). Lower the learning rate, check "
                "the data and the loss weights, or raise model.nonfinite_patience."
            )
