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
    from srzoo.models.restorers.pretrained import load_into

    ckpt = load_checkpoint_file(path)
    generator = to_basicsr(ckpt, prefix="generator")
    load_into(model.generator, generator, f"{path}: its weights do not fit the config's generator")
    if getattr(model, "generator_ema", None) is not None:
        ema = to_basicsr(ckpt, prefix="generator_ema") or generator
        context = f"{path}: its weights do not fit the config's generator_ema"
        load_into(model.generator_ema, ema, context)
