"""``GeneratorEMAHook`` is gone: the generator EMA is the restorer's ``ema`` setting.

Before, EMA took two settings that had to agree: ``model.ema=True`` (the ``generator_ema``
copy) and a ``GeneratorEMAHook`` in ``custom_hooks`` (its updates); a mismatch failed only
at the first iteration. Now ``model.ema=dict(momentum=..., interval=..., start_iter=...)``
(or True) does both, and the restorer updates the average at the end of each
``train_step`` (:mod:`srzoo.models.restorers.ema`). The name stays registered so that an
old config fails when the runner builds its hooks, with a message that says what to write.
"""

from mmengine.hooks import Hook

from srzoo.errors import UsageError
from srzoo.registry import HOOKS


@HOOKS.register_module()
class GeneratorEMAHook(Hook):
    """Removed; building it raises :class:`UsageError` naming ``model.ema``.

    Args:
        momentum (float): Moves to ``model.ema``. Default: 0.999.
        interval (int): Moves to ``model.ema``. Default: 1.
        start_iter (int): Moves to ``model.ema``. Default: 0.

    Raises:
        UsageError: always, with the ``model.ema`` setting that replaces the hook.
    """

    def __init__(self, momentum: float = 0.999, interval: int = 1, start_iter: int = 0) -> None:
        setting = f"dict(momentum={momentum!r}, interval={interval!r}, start_iter={start_iter!r})"
        raise UsageError(
            "custom_hooks: GeneratorEMAHook was replaced by the restorer's ema setting; remove "
            f"it from custom_hooks and set model.ema={setting} (the restorer keeps and updates "
            "generator_ema itself)"
        )
