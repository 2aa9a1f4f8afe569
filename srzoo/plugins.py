"""Discovery of installed plugin packages through the ``srzoo.plugins`` entry-point group.

A plugin package declares, in its packaging metadata::

    [project.entry-points."srzoo.plugins"]
    my_arch = "my_package.my_module"

Importing the named module runs its ``@BACKBONES.register_module()`` decorators,
so the class is then buildable by ``type`` from any config, with no edit to srzoo.
Plugins are imported when an srzoo registry is first searched (:func:`ensure_plugins`,
called by :class:`~srzoo.utils.registry_hint.HintingRegistry`) or when a command starts,
never as a side effect of importing an srzoo package.
"""

import warnings
from importlib.metadata import entry_points

GROUP = "srzoo.plugins"
_loaded: dict[str, str] = {}
_scanned = False


def load_plugins() -> dict[str, str]:
    """Import every module registered under the ``srzoo.plugins`` entry-point group.

    A plugin that fails to import is reported with a warning naming it, and the
    others still load.

    Returns:
        dict[str, str]: entry-point name -> module value, for the plugins loaded.
    """
    for ep in entry_points(group=GROUP):
        if ep.name in _loaded:
            continue
        try:
            ep.load()
        except Exception as err:  # a broken plugin must not break srzoo
            warnings.warn(
                f"srzoo plugin '{ep.name}' ({ep.value}) failed to import: {err!r}", stacklevel=2
            )
            continue
        _loaded[ep.name] = ep.value
    return dict(_loaded)


def ensure_plugins() -> None:
    """:func:`load_plugins` once per process (later calls return at once)."""
    global _scanned
    if not _scanned:
        _scanned = True  # set first: a plugin that searches a registry must not re-enter
        load_plugins()
