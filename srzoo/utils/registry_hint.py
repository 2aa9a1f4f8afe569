"""A registry whose build error names the registry and the closest registered names."""

import difflib
from typing import Any

from mmengine.registry import Registry


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


class HintingRegistry(Registry):
    """mmengine ``Registry`` that suggests the nearest names when ``type`` is unknown."""

    def build(self, cfg: dict, *args: Any, **kwargs: Any) -> Any:
        """Build ``cfg``; an unregistered string ``type`` raises ``KeyError`` with suggestions."""
        obj_type = cfg.get("type") if isinstance(cfg, dict) else None
        if isinstance(obj_type, str) and "." not in obj_type:
            self.import_from_location()
            if self.get(obj_type) is None:
                raise KeyError(unknown_type_message(self, obj_type))
        return super().build(cfg, *args, **kwargs)
