"""Super-resolve images, folders or globs with any srzoo generator checkpoint.

Thin wrapper around ``srzoo upscale``; run with ``--help`` for the options.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from srzoo.cli import tool_main  # noqa: E402

if __name__ == "__main__":
    sys.exit(tool_main("upscale"))
