"""Model parts. Importing this package registers every built-in class, then the plugins.

Discovery is explicit: the modules are listed here, with no folder scanning.
"""

from srzoo.models import backbones, discriminators, losses, restorers  # noqa: F401
from srzoo.plugins import load_plugins

load_plugins()
