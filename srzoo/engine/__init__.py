"""Engine parts: hooks (registered on import), checkpoint I/O, launch helpers."""

from srzoo.engine import (  # noqa: F401
    amp,
    checkpoint_hook,
    ema_hook,
    loops,
    optim_constructor,
    visualization_hook,
)
