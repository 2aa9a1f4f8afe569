"""Layer 5: the ``srzoo`` command, one surface for every job.

``srzoo train | test | speed | upscale | export | convert | interpolate | pd |
degradations``. The scripts in ``tools/`` are two-line shims over the same sub-commands,
for MMEditing habits.

Error policy, the same for every sub-command: a user's mistake (:class:`srzoo.errors.UserError`,
or an ``OSError`` such as a missing file) prints ``srzoo: error: ...`` on one line and
exits with status 1 (an ``OSError`` adds a line saying that ``SRZOO_DEBUG=1`` shows the
traceback, which it does for every error). Anything else is a bug
and keeps its traceback. Bad command-line syntax exits with 2 (argparse).

Examples::

    srzoo train configs/esrgan_x4.py --amp bf16
    srzoo test configs/esrgan_x4.py work_dirs/esrgan_x4/iter_400000.pth
    srzoo upscale photo.png photos/ "scans/*.tif" -o out/ --model esrgan.pth --tile 256
    srzoo export esrgan.pth --format onnx -o esrgan_x4.onnx
"""

import importlib
import os
import sys
import warnings
from typing import Callable, Optional, Sequence

from srzoo.cli.parsers import build_parser
from srzoo.errors import USER_ERRORS, UserError

# Sub-command -> module with ``run(args) -> int``; imported only when that command runs.
MODULES = {
    "train": "srzoo.cli.train",
    "test": "srzoo.cli.test",
    "speed": "srzoo.cli.speed",
    "upscale": "srzoo.cli.upscale",
    "export": "srzoo.cli.weights",
    "convert": "srzoo.cli.weights",
    "interpolate": "srzoo.cli.weights",
    "pd": "srzoo.cli.perception",
    "degradations": "srzoo.cli.degradations",
}


def report_user_errors(run: Callable[[], int]) -> int:
    """``run()``; a user error prints one line and returns 1 (re-raised under SRZOO_DEBUG)."""
    try:
        return run()
    except USER_ERRORS as err:
        if os.environ.get("SRZOO_DEBUG"):
            raise
        print(f"srzoo: error: {err}", file=sys.stderr)
        if not isinstance(err, UserError):  # an OSError from deep inside: where may matter
            print("(set SRZOO_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1


_PLAIN_FORMAT = warnings.formatwarning
_SRZOO_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _format_warning(message, category, filename, lineno, line=None) -> str:
    """srzoo's own warnings as one line, ``srzoo: warning: ...``; others as Python shows them."""
    if issubclass(category, UserWarning) and os.path.abspath(filename).startswith(_SRZOO_DIR):
        return f"srzoo: warning: {message}\n"
    return _PLAIN_FORMAT(message, category, filename, lineno, line)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``srzoo`` console script; returns the exit status.

    The current folder is importable, as under ``python -m srzoo.cli``, so a model's module
    beside the user (``custom_imports``, a plugin's ``arch_module``) imports the same way
    with either spelling of the command.
    """
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    warnings.formatwarning = _format_warning
    args = build_parser().parse_args(argv)
    module = importlib.import_module(MODULES[args.command])
    return report_user_errors(lambda: module.run(args))


def tool_main(command: str, argv: Optional[Sequence[str]] = None) -> int:
    """Run one sub-command with ``argv`` (default ``sys.argv[1:]``); for ``tools/*.py``."""
    return main([command, *(sys.argv[1:] if argv is None else argv)])
