"""Every exception srzoo raises for a user's mistake, in one place (layer 1: imports nothing).

Each type derives from :class:`UserError` and from the built-in type callers would catch
anyway (``ValueError``, ``KeyError``, ``OSError`` ...), so existing ``except`` clauses keep
working. The command line (:mod:`srzoo.cli`) prints a :class:`UserError`, or an
``OSError`` such as a missing file, as one line and exits with status 1; anything else is a
bug and keeps its traceback.
"""


class UserError(Exception):
    """Base of the errors whose message names the file or key and says what to do."""


class UsageError(UserError, ValueError):
    """A command-line option, or a constructor argument from a config, that srzoo refuses."""


class MissingDependencyError(UserError, ImportError):
    """An optional package that the requested feature needs is not installed."""


class ConfigKeyError(UserError, TypeError):
    """A config key that the class it configures does not take."""


class UnknownTypeError(UserError, KeyError):
    """A config ``type`` that no registry knows; the message suggests the nearest names."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ImageReadError(UserError, OSError, ValueError):
    """An image file that is missing, empty, truncated or not an image."""


class DataCheckError(UserError, ValueError):
    """Training or validation samples that cannot be used (sizes, scale, missing files)."""


class PrerequisiteError(UserError, FileNotFoundError):
    """Files a run needs (data folders, weights, a pretrained checkpoint) are missing."""


class UnsafeCheckpointError(UserError, RuntimeError):
    """A checkpoint pickle asks for a global that srzoo does not allow; nothing was run."""


class CorruptCheckpointError(UserError, RuntimeError):
    """A checkpoint file is truncated, corrupt or not a checkpoint at all."""


class WeightsError(UserError, ValueError, RuntimeError):
    """Checkpoint weights that srzoo cannot recognise, or that do not fit the network."""


class NonFiniteLossError(UserError, RuntimeError):
    """Losses stayed NaN/Inf for ``nonfinite_patience`` consecutive iterations."""


#: What the command line reports as one line (exit status 1) instead of a traceback.
USER_ERRORS = (UserError, OSError)
