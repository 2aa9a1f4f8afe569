"""What a training run prints: mmengine's log without its noise, long dumps kept to the file.

mmengine's Runner logs the whole environment (~30 lines), the resolved config (hundreds
of lines) and the hooks' order (~60 lines) at start, on the console as in the log file.
:func:`quiet_console` keeps them in the log file and shows one line each on the console,
naming where to read them. It drops mmengine's FileClient deprecation notices everywhere
(its own CheckpointHook builds a FileClient on every run, whatever the config says; the
notices name nothing a user can act on) and its SyncBatchNorm notice of single-process
runs. :class:`QuietConsoleMixin` gives a Runner subclass that logger.
"""

import logging
from typing import Optional

_MMENGINE_NOISE = (
    '"FileClient" will be deprecated',
    '"HardDiskBackend" is the alias',
    # said by every single-process Runner, testing included; no srzoo model has SyncBN
    "Distributed training is not used, all SyncBatchNorm",
)
# mmengine's multi-line dumps: how each message starts (after blank and dashed lines).
_DUMPS = (
    ("System environment:", "System and runtime environment"),
    ("Config:\n", "Config"),
    ("Hooks will be executed in the following order:", "Hook order"),
)


def drop_mmengine_noise(record: logging.LogRecord) -> bool:
    """A logging filter: False for mmengine's FileClient and SyncBatchNorm notices."""
    return not str(record.msg).startswith(_MMENGINE_NOISE)


def console_summary(message: str, log_file: str) -> Optional[str]:
    """The one console line for one of mmengine's environment, config or hook dumps, else None.

    Args:
        message: A formatted log message.
        log_file: Where the full text is (the run's log file).
    """
    text = message.lstrip("\n-")
    for start, label in _DUMPS:
        if text.startswith(start):
            lines = text.count("\n")
            return f"{label} ({lines} lines): in {log_file}"
    return None


class ConsoleSummaryFormatter(logging.Formatter):
    """Wraps a console handler's formatter; the dumps become :func:`console_summary` lines.

    The record itself is not changed, so file handlers still write the full text.
    """

    def __init__(self, inner: logging.Formatter, log_file: str) -> None:
        super().__init__()
        self.inner, self.log_file = inner, log_file

    def format(self, record: logging.LogRecord) -> str:
        short = console_summary(record.getMessage(), self.log_file)
        if short is not None:
            record = logging.makeLogRecord({**record.__dict__, "msg": short, "args": None})
        return self.inner.format(record)


def quiet_console(logger: logging.Logger) -> logging.Logger:
    """Drop mmengine's noise; shorten the dumps on console handlers when a log file exists."""
    logger.addFilter(drop_mmengine_noise)
    files = [h.baseFilename for h in logger.handlers if isinstance(h, logging.FileHandler)]
    if not files:
        return logger
    for handler in logger.handlers:
        if type(handler) is logging.StreamHandler and handler.formatter is not None:
            handler.setFormatter(ConsoleSummaryFormatter(handler.formatter, files[0]))
    return logger


class QuietConsoleMixin:
    """Put first in the bases of an mmengine ``Runner`` subclass: its logger goes through
    :func:`quiet_console` (srzoo's training runner and the test runner share it)."""

    def build_logger(self, *args, **kwargs) -> logging.Logger:
        return quiet_console(super().build_logger(*args, **kwargs))
