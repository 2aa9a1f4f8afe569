"""Export a generator checkpoint to safetensors (with metadata) or ONNX (verified).

Thin wrapper around ``srzoo export``; run with ``--help`` for the options.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from srzoo.cli import tool_main  # noqa: E402

if __name__ == "__main__":
    sys.exit(tool_main("export"))
