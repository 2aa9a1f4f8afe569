"""The module inside a model wrapper (DDP, DataParallel, mmengine's), in one place."""

from torch import nn


def unwrap(module: nn.Module) -> nn.Module:
    """The module inside a registered model wrapper (mmengine's ``MODEL_WRAPPERS``: torch's
    ``DataParallel`` / ``DistributedDataParallel`` and mmengine's), else ``module`` itself.

    A plain module that happens to have a sub-module named ``module`` is not a wrapper and
    is returned unchanged.
    """
    inner = getattr(module, "module", None)
    if not isinstance(inner, nn.Module):
        return module  # every wrapper holds its module there: nothing to unwrap
    # mmengine.model costs a second to import; only a module that may be a wrapper pays it
    from mmengine.model import is_model_wrapper

    return inner if is_model_wrapper(module) else module
