"""Gradient-accumulation counts of a GAN's optimizer wrappers, kept in step with the schedule.

mmengine's train loop starts the accumulation count of a single ``OptimWrapper`` at the
current iteration and ends it at ``max_iters``, but leaves the wrappers of an
``OptimWrapperDict`` alone: their counts restart at 0 on every (resumed) run and have no
end, so after a resume the windows are out of phase with an uninterrupted run, and the
last partial window is never applied. And G's wrapper is only called on G steps, so its
count is a count of G steps, not of iterations. :class:`AccumulationCounts` sets both
counts from the restorer's step counter and ``max_iters``, once for each wrapper dict the
restorer trains with: at its first ``train_step`` with that dict, which on a resume comes
after the checkpoint (and so the step counter) was loaded.
"""

import weakref
from typing import Callable, Optional

from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapperDict
from torch import nn


def _max_iters() -> Optional[int]:
    """``max_iters`` of the running train loop (mmengine's RuntimeInfoHook records it)."""
    value = MessageHub.get_current_instance().get_info("max_iters")
    return int(value) if value else None


def init_accumulation_counts(
    optim_wrapper: OptimWrapperDict,
    parts: dict[str, nn.Module],
    steps_done: int,
    updates_before: dict[str, Callable[[int], int]],
) -> None:
    """Start each part's count where this run starts, and end it where training ends.

    Parts with ``accumulative_counts == 1`` are left alone: their counts change nothing.

    Args:
        optim_wrapper (OptimWrapperDict): One wrapper per part.
        parts (dict): Part name -> module (for mmengine's BatchNorm warning).
        steps_done (int): Iterations already trained (the restorer's step counter).
        updates_before (dict): Part name -> function mapping an iteration ``i`` to how many
            updates that part gets in iterations ``0 .. i - 1``; the identity when absent.
    """
    max_iters = _max_iters()
    for name, wrapper in optim_wrapper.items():
        if getattr(wrapper, "_accumulative_counts", 1) == 1:
            continue
        count = updates_before.get(name, lambda i: i)
        end = count(max_iters) if max_iters else -1
        wrapper.initialize_count_status(parts[name], count(steps_done), end)


class AccumulationCounts:
    """Runs :func:`init_accumulation_counts` once per wrapper dict (the restorer holds one).

    The dict is remembered by a weak reference, so nothing is set on mmengine's objects and
    the restorer keeps no optimizer alive. :meth:`reset` (after a state dict is loaded,
    which may move the step counter) makes the next call set the counts again.
    """

    def __init__(self) -> None:
        self._done_for: Optional[weakref.ref] = None

    def set_once(
        self,
        optim_wrapper: OptimWrapperDict,
        parts: dict[str, nn.Module],
        steps_done: int,
        updates_before: dict[str, Callable[[int], int]],
    ) -> None:
        """:func:`init_accumulation_counts`, unless already done for ``optim_wrapper``."""
        if self._done_for is not None and self._done_for() is optim_wrapper:
            return
        init_accumulation_counts(optim_wrapper, parts, steps_done, updates_before)
        self._done_for = weakref.ref(optim_wrapper)

    def reset(self) -> None:
        """Set the counts again at the next :meth:`set_once`."""
        self._done_for = None

    def __getstate__(self) -> dict:
        return {"_done_for": None}  # a weak reference does not pickle; a copy sets its own
