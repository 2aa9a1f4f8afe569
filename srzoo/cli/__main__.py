"""``python -m srzoo.cli``: the ``srzoo`` command."""

import sys

from srzoo.cli import main

sys.exit(main())
