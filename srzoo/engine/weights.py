"""Load generator weights of any supported checkpoint layout into a restorer for testing."""

from torch import nn


def load_restorer_weights(model: nn.Module, path: str) -> None:
    """Fill ``model.generator`` (and ``model.generator_ema`` when present) from ``path``.

    ``path`` may be an srzoo/MMagic checkpoint (``generator.`` / ``generator_ema.``), a
    BasicSR file (``params`` / ``params_ema``) or any layout :mod:`srzoo.apis.convert`
    reads. Loading is safe (``weights_only``) and strict.

    Args:
        model (nn.Module): An srzoo restorer (unwrapped).
        path (str): The checkpoint file.
    """
    from srzoo.apis.convert import to_basicsr
    from srzoo.engine.checkpoint import load_checkpoint_file

    ckpt = load_checkpoint_file(path)
    generator = to_basicsr(ckpt, prefix="generator")
    _load(model.generator, generator, path, "generator")
    if getattr(model, "generator_ema", None) is not None:
        ema = to_basicsr(ckpt, prefix="generator_ema") or generator
        _load(model.generator_ema, ema, path, "generator_ema")


def _load(module: nn.Module, state_dict: dict, path: str, name: str) -> None:
    target = getattr(module, "module", module)
    try:
        target.load_state_dict(state_dict, strict=True)
    except RuntimeError as err:
        raise RuntimeError(f"{path}: its weights do not fit the config's {name}: {err}") from None
