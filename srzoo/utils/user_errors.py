"""Command-line tools print a user's mistake as one clear line, not a traceback."""

import os
import sys
from typing import Callable

from srzoo.datasets.image_io import ImageReadError
from srzoo.datasets.sample_check import DataCheckError
from srzoo.engine.checkpoint import CorruptCheckpointError, UnsafeCheckpointError
from srzoo.models.restorers.nonfinite import NonFiniteLossError
from srzoo.utils.registry_hint import ConfigKeyError, UnknownTypeError

# Errors whose message already names the file or key and says what to do.
USER_ERRORS = (
    FileNotFoundError,
    ConfigKeyError,
    UnknownTypeError,
    ImageReadError,
    DataCheckError,
    UnsafeCheckpointError,
    CorruptCheckpointError,
    NonFiniteLossError,
)


def run_tool(main: Callable[[], object]) -> None:
    """Run a tool's ``main``; a user error prints ``srzoo: error: ...`` and exits with 1.

    Set ``SRZOO_DEBUG=1`` to get the full traceback instead.
    """
    try:
        main()
    except USER_ERRORS as err:
        if os.environ.get("SRZOO_DEBUG"):
            raise
        print(f"srzoo: error: {err}", file=sys.stderr)
        print("(set SRZOO_DEBUG=1 for the traceback)", file=sys.stderr)
        sys.exit(1)
