"""State-dict hooks of the restorers: DDP-free keys, a missing EMA, the step counter.

Saved keys never carry DDP's ``.module.`` (``generator.x``, not ``generator.module.x``),
and load into a DDP-wrapped part all the same. A checkpoint without ``generator_ema.*``
starts the average from its generator. ``step_counter`` (iterations trained: the EMA
schedule's and the GAN schedule's position) is restored into the restorer's Python
``step`` after loading; a checkpoint without one, or a PSNR checkpoint (no
discriminator) loaded into a GAN, leaves the restorer's count as it was.
"""

from mmengine.model import is_model_wrapper
from torch import nn


def _wrapped_children(module: nn.Module) -> list[str]:
    """Names of children wrapped in DDP (``MMSeparateDistributedDataParallel`` does that)."""
    return [name for name, child in module.named_children() if is_model_wrapper(child)]


def _rename_prefix(state_dict: dict, old: str, new: str) -> None:
    for key in [k for k in state_dict if k.startswith(old)]:
        state_dict[new + key[len(old) :]] = state_dict.pop(key)


def drop_wrapper_keys(module: nn.Module, state_dict: dict, prefix: str, local_metadata) -> None:
    """Save ``generator.x``, never ``generator.module.x``, whether or not DDP wraps it."""
    for name in _wrapped_children(module):
        _rename_prefix(state_dict, f"{prefix}{name}.module.", f"{prefix}{name}.")


def fill_missing_ema(module: nn.Module, state_dict: dict, prefix: str, *args) -> None:
    """A checkpoint without ``generator_ema.*`` (``load_from`` a model trained without EMA)
    starts the average from its generator instead of leaving it at the initial weights."""
    if getattr(module, "generator_ema", None) is None:
        return
    ema, gen = f"{prefix}generator_ema.", f"{prefix}generator."
    if any(k.startswith(ema) for k in state_dict):
        return
    for key in [k for k in state_dict if k.startswith(gen)]:
        state_dict[ema + key[len(gen) :]] = state_dict[key]


def add_wrapper_keys(module: nn.Module, state_dict: dict, prefix: str, *args) -> None:
    """Load ``generator.x`` keys into a DDP-wrapped generator (which expects ``.module.``)."""
    for name in _wrapped_children(module):
        if not any(k.startswith(f"{prefix}{name}.module.") for k in state_dict):
            _rename_prefix(state_dict, f"{prefix}{name}.", f"{prefix}{name}.module.")


def keep_own_step_count(module: nn.Module, state_dict: dict, prefix: str, *args) -> None:
    """Keep this restorer's ``step_counter`` when the checkpoint's does not apply.

    That is when the checkpoint has none (an SRModel written before SRModel counted its
    steps), or when this restorer has a discriminator and the checkpoint none (a PSNR
    model loaded into a GAN: its iterations are not positions in the GAN schedule).
    """
    key = f"{prefix}step_counter"
    psnr_into_gan = getattr(module, "discriminator", None) is not None and not any(
        k.startswith(f"{prefix}discriminator.") for k in state_dict
    )
    if key not in state_dict or psnr_into_gan:
        state_dict[key] = module.step_counter.detach().clone()


def restore_step(module: nn.Module, incompatible_keys) -> None:
    """After ``load_state_dict``: take the schedule position from the loaded buffer."""
    module.step = int(module.step_counter)
