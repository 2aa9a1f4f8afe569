"""Resuming with a changed parameter schedule: the config wins, at the restored position.

mmengine's ``Runner.resume`` loads each parameter scheduler's whole ``__dict__`` from the
checkpoint: ``end``, ``milestones``, ``gamma``, ``T_max``, base values ... all come from the
first run. A run pre-trained with a short ``max_iters`` (the default ``end``) and continued
to a longer one then silently never reaches its later milestones.

srzoo keeps mmengine's restore when the schedule is unchanged (so an exact resume stays
bit-identical) and otherwise lets the current config win: it logs a warning naming both
schedules, resets the optimizer's hyperparameters and the schedulers to what the config
builds, and replays the scheduler steps of the iterations already trained (the same
``step()`` calls, in the same order, as ``ParamSchedulerHook`` makes), so the values are
exactly those of an uninterrupted run of the current config. The same happens when the
checkpoint holds no scheduler state at all. Replaying costs a few microseconds per
scheduler and iteration; by-epoch schedulers are replayed after the by-iteration ones,
exact for srzoo's iteration-based loop (where no epoch ends before training does).
"""

import copy
import warnings
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

Schedulers = Union[List[Any], Dict[str, List[Any]]]
# Scheduler fields that are the position in the schedule, not the schedule itself.
_POSITION = frozenset({"last_step", "_global_step", "_last_value", "verbose"})


class ScheduleSnapshot(NamedTuple):
    """The freshly built schedule of the current config, before the checkpoint is loaded.

    Attributes:
        names: ``"<group>/<class name>"`` per scheduler, in ``ParamSchedulerHook`` order.
        states: Each scheduler's ``state_dict()`` (deep copies).
        groups: Per optimizer (by ``id``), its param groups' hyperparameters (no params).
    """

    names: List[str]
    states: List[dict]
    groups: Dict[int, List[dict]]


def flatten(schedulers: Schedulers) -> List[Tuple[str, Any]]:
    """``(group, scheduler)`` in the order ``ParamSchedulerHook`` steps them."""
    if isinstance(schedulers, dict):
        return [(name, s) for name, group in schedulers.items() for s in group]
    return [("", s) for s in schedulers]


def scheduler_types(schedulers: Schedulers) -> List[str]:
    """``"<group>/<class name>"`` per scheduler (recorded in checkpoints for comparison)."""
    return [f"{group}/{type(s).__name__}" for group, s in flatten(schedulers)]


def capture(schedulers: Optional[Schedulers], optimizers: Sequence[Any]) -> ScheduleSnapshot:
    """Snapshot the schedulers (None or [] for none) and the optimizers' hyperparameters.

    Args:
        schedulers: The runner's built ``param_schedulers``.
        optimizers: Every optimizer (wrapper) of the run; each has ``param_groups``.
    """
    pairs = flatten(schedulers or [])
    groups = {}
    for optimizer in [*optimizers, *(s.optimizer for _, s in pairs)]:
        groups[id(optimizer)] = [
            {k: copy.deepcopy(v) for k, v in g.items() if k != "params"}
            for g in optimizer.param_groups
        ]
    states = [copy.deepcopy(s.state_dict()) for _, s in pairs]
    return ScheduleSnapshot(scheduler_types(schedulers or []), states, groups)


def _base_rates(groups: Dict[int, List[dict]]) -> List[Any]:
    """The configured learning rate of every param group (``initial_lr`` once scheduled)."""
    return [g.get("initial_lr", g.get("lr")) for key in sorted(groups) for g in groups[key]]


def _settings(state: dict) -> dict:
    return {k: v for k, v in state.items() if k not in _POSITION}


def describe(names: Sequence[str], states: Sequence[dict]) -> str:
    """A one-line account of a schedule, e.g. ``MultiStepLR(milestones=..., end=3)``."""
    parts = []
    for name, state in zip(names, states):
        args = ", ".join(f"{k}={_plain(v)}" for k, v in _settings(state).items())
        parts.append(f"{name.lstrip('/')}({args})")
    return "; ".join(parts) or "none"


def _plain(value: Any) -> str:
    if hasattr(value, "elements"):  # a Counter of milestones
        return str(sorted(value.elements()))
    return repr(value)


def flatten_states(saved: Any) -> List[dict]:
    """A checkpoint's ``param_schedulers`` (a list, or a dict of lists) as one list."""
    if isinstance(saved, dict):
        return [state for group in saved.values() for state in group]
    return list(saved or [])


def changed(
    fresh: ScheduleSnapshot,
    loaded: ScheduleSnapshot,
    saved: Any,
    saved_types: Optional[Sequence[str]],
) -> bool:
    """Whether the checkpoint's schedule differs from the config's.

    Args:
        fresh: :func:`capture` of the config's run, before the checkpoint was loaded.
        loaded: :func:`capture` after mmengine's resume (the optimizers' restored rates).
        saved: The checkpoint's ``param_schedulers`` (None when it has none).
        saved_types: The scheduler names the checkpoint recorded, if any.

    Returns:
        True for other schedulers, settings or base learning rates, or schedulers missing
        from a checkpoint of a run that has some.
    """
    states = flatten_states(saved)
    if _base_rates(loaded.groups) != _base_rates(fresh.groups):
        return True
    if (saved is None and fresh.states) or len(states) != len(fresh.states):
        return True
    if saved_types is not None and list(saved_types) != fresh.names:
        return True
    return any(_settings(a) != _settings(b) for a, b in zip(states, fresh.states))


def replay(
    schedulers: Optional[Schedulers],
    optimizers: Sequence[Any],
    fresh: ScheduleSnapshot,
    iters: int,
    epochs: int,
) -> None:
    """Put the schedulers and optimizers where an uninterrupted run of the config is after
    ``iters`` iterations and ``epochs`` epochs.

    Args:
        schedulers: The runner's built ``param_schedulers`` (None or [] for none).
        optimizers: The optimizers given to :func:`capture` for ``fresh``.
        fresh: :func:`capture` of the config's run before the checkpoint was loaded.
        iters: Iterations already trained.
        epochs: Epochs already trained.
    """
    pairs = [s for _, s in flatten(schedulers or [])]
    for scheduler, state in zip(pairs, fresh.states):
        scheduler.load_state_dict(copy.deepcopy(state))
    optimizers = {id(o): o for o in [*optimizers, *(s.optimizer for s in pairs)]}
    for key, saved_groups in fresh.groups.items():
        for group, values in zip(optimizers[key].param_groups, saved_groups):
            group.update(copy.deepcopy(values))
    by_iter = [s for s in pairs if not s.by_epoch]
    by_epoch = [s for s in pairs if s.by_epoch]
    with warnings.catch_warnings():  # "scheduler.step() before optimizer.step()": intended
        warnings.simplefilter("ignore")
        for _ in range(iters):
            for scheduler in by_iter:
                scheduler.step()
        for _ in range(epochs):
            for scheduler in by_epoch:
                scheduler.step()
