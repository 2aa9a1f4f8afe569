"""Engine parts: hooks (registered on import), checkpoint I/O, launch helpers."""

from srzoo.engine import ema_hook, optim_constructor, visualization_hook  # noqa: F401
