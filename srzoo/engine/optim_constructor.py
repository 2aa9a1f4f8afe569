"""One optimizer wrapper per restorer part (generator, discriminator) for GAN training."""

from typing import Optional

from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict
from torch import nn

from srzoo.registry import OPTIM_WRAPPER_CONSTRUCTORS
from srzoo.utils.wrappers import unwrap


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class MultiOptimWrapperConstructor:
    """Build an ``OptimWrapperDict`` keyed by sub-module name.

    Config::

        optim_wrapper = dict(
            constructor="MultiOptimWrapperConstructor",
            generator=dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-4)),
            discriminator=dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-4)),
        )

    Each entry is an ordinary mmengine optim-wrapper config (``AmpOptimWrapper``,
    ``clip_grad``, ``accumulative_counts`` and a per-part ``paramwise_cfg`` all work).

    Args:
        optim_wrapper_cfg (dict): Sub-module name -> optim-wrapper config.
        paramwise_cfg (dict, optional): Must be None; set it per part instead.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None) -> None:
        if paramwise_cfg is not None:
            raise ValueError("set paramwise_cfg inside each part's optim wrapper config")
        if not optim_wrapper_cfg:
            raise ValueError("optim_wrapper needs one entry per part, e.g. generator=dict(...)")
        self.part_cfgs = {name: dict(cfg) for name, cfg in optim_wrapper_cfg.items()}

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        """Build the wrappers for ``model`` (possibly wrapped in DDP)."""
        model = unwrap(model)
        wrappers = {}
        for name, cfg in self.part_cfgs.items():
            part = getattr(model, name, None)
            if not isinstance(part, nn.Module):
                parts = [n for n, m in model.named_children() if any(True for _ in m.parameters())]
                raise KeyError(
                    f"optim_wrapper.{name}: {type(model).__name__} has no part '{name}'; "
                    f"its trainable parts are {parts}"
                )
            paramwise = cfg.pop("paramwise_cfg", None)
            wrappers[name] = DefaultOptimWrapperConstructor(cfg, paramwise)(part)
        return OptimWrapperDict(**wrappers)
