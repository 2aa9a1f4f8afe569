"""A registry whose build errors name the closest registered names, or config keys."""

import difflib
import inspect
from typing import Any, List, Optional, Sequence

from mmengine.registry import Registry

from srzoo.errors import ConfigKeyError, UnknownTypeError
from srzoo.plugins import ensure_plugins


def close_names(name: str, candidates: list[str], n: int = 3) -> list[str]:
    """Return up to ``n`` candidates closest to ``name`` (case-insensitive first)."""
    lowered = {c.lower(): c for c in candidates}
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.5)
    return [lowered[h] for h in hits]


def unknown_type_message(registry: Registry, name: str) -> str:
    """Describe an unknown ``type`` with suggestions from ``registry`` and its parent."""
    names = list(registry.module_dict)
    if registry.parent is not None:
        names += list(registry.parent.module_dict)
    hint = close_names(name, sorted(set(names)))
    suggestion = f" Did you mean: {', '.join(hint)}?" if hint else ""
    return (
        f"'{name}' is not registered in srzoo's {registry.name.upper()} registry.{suggestion} "
        f"Registered: {', '.join(sorted(registry.module_dict)) or '(none)'}. A class of your own "
        "must be imported first: list its module in the config's custom_imports, or install it as "
        "an 'srzoo.plugins' entry point."
    )


def accepted_keys(obj: Any) -> Optional[List[str]]:
    """Keyword arguments ``obj`` (a class or function) takes; None if it takes ``**kwargs``."""
    target = obj.__init__ if isinstance(obj, type) else obj
    try:
        params = inspect.signature(target).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [p.name for p in params if p.kind in kinds and p.name != "self"]


def unknown_key_message(obj: Any, key: str, path: str, valid: Sequence[str]) -> str:
    """Describe ``key`` (at ``path``) that ``obj`` does not take, with the nearest names."""
    name = getattr(obj, "__name__", str(obj))
    hint = close_names(key, list(valid))
    suggestion = f" Did you mean: {', '.join(hint)}?" if hint else ""
    return (
        f"unknown config key '{path}': {name} takes no argument '{key}'.{suggestion} "
        f"{name} takes: {', '.join(valid) or '(nothing)'}."
    )


def check_keys(obj: Any, cfg: dict, path: str = "") -> None:
    """Raise :class:`ConfigKeyError` for a key of ``cfg`` (besides ``type``) ``obj`` lacks.

    Args:
        obj: The class (or function) that ``cfg`` configures.
        cfg (dict): Its config.
        path (str): Where ``cfg`` sits in the whole config, e.g. ``model.generator``.
    """
    valid = accepted_keys(obj)
    if valid is None:
        return
    for key in cfg:
        if key != "type" and key not in valid:
            where = f"{path}.{key}" if path else key
            raise ConfigKeyError(unknown_key_message(obj, key, where, valid))


class HintingRegistry(Registry):
    """mmengine ``Registry`` that suggests the nearest names for an unknown ``type`` or key,
    and imports the installed plugins the first time any srzoo registry is searched."""

    def import_from_location(self) -> None:
        """Import the registry's built-in modules, then (once) the installed plugins."""
        super().import_from_location()
        ensure_plugins()

    def build(self, cfg: dict, *args: Any, **kwargs: Any) -> Any:
        """Build ``cfg``.

        Raises:
            KeyError: an unregistered string ``type``, with the nearest registered names.
            ConfigKeyError: a key the class does not take, with the nearest valid keys.
        """
        obj_type = cfg.get("type") if isinstance(cfg, dict) else None
        if isinstance(obj_type, str) and "." not in obj_type:
            self.import_from_location()
            obj = self.get(obj_type)
            if obj is None:
                raise UnknownTypeError(unknown_type_message(self, obj_type))
            check_keys(obj, cfg)
        return super().build(cfg, *args, **kwargs)
