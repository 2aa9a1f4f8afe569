"""Layer 3, model parts. Importing this package registers every built-in class.

Discovery is explicit: the modules are listed here, with no folder scanning. Installed
plugins are not imported here: they load when a registry is first searched, or when a
command starts (:func:`srzoo.plugins.ensure_plugins`).
"""

from srzoo.models import backbones, discriminators, losses, restorers  # noqa: F401
