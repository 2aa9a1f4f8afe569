"""Architecture metadata in exported files: written by export, read back by the loader.

safetensors headers carry the architecture name, its constructor arguments (JSON), the
scale and the srzoo version, so that :func:`srzoo.apis.load_generator` (and chaiNNer /
spandrel) rebuild a generator from the file alone. srzoo's training checkpoints carry the
config text in ``meta["cfg"]``, whose ``generator=dict(...)`` is parsed, never run.
"""

import ast
import json
from typing import Any, Dict, List, Mapping, Optional

import srzoo


def generator_metadata(
    arch: Mapping[str, Any], config_text: Optional[str] = None, module: Optional[str] = None
) -> Dict[str, str]:
    """String metadata describing a generator, as written into safetensors headers.

    Args:
        arch: Backbone config, ``dict(type=..., **constructor_args)``.
        config_text: Training config text to embed. Default: None.
        module: The Python module that defines the class (so a plugin's module can be
            imported when the file is loaded). Default: None.

    Returns:
        ``{"arch", "arch_args" (JSON), "scale", "srzoo_version"[, "arch_module"][, "config"]}``.
    """
    args = {k: v for k, v in arch.items() if k != "type"}
    meta = {
        "format": "pt",
        "arch": str(arch["type"]),
        "arch_args": json.dumps(args, sort_keys=True),
        "scale": str(args.get("upscale_factor", "")),
        "srzoo_version": srzoo.__version__,
    }
    if module:
        meta["arch_module"] = module
    if config_text:
        meta["config"] = config_text
    return meta


def arch_modules(meta: Mapping[str, Any]) -> List[str]:
    """Modules that define a checkpoint's generator: the recorded ``arch_module``, then the
    training config's ``custom_imports`` (parsed, never run)."""
    found = []
    if isinstance(meta.get("arch_module"), str) and meta["arch_module"]:
        found.append(meta["arch_module"])
    text = meta.get("cfg") or meta.get("config")
    if isinstance(text, str) and "custom_imports" in text:
        try:
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, ast.keyword) and node.arg == "imports":
                    value = _literal(node.value)
                    found += (
                        [m for m in value if isinstance(m, str)] if isinstance(value, list) else []
                    )
        except (SyntaxError, ValueError, TypeError):
            pass
    return list(dict.fromkeys(found))


def _literal(node: ast.AST) -> Any:
    """Evaluate a config node made of literals and ``dict(...)`` calls, without exec."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "dict" and not node.args:
        return {kw.arg: _literal(kw.value) for kw in node.keywords}
    return ast.literal_eval(node)


def arch_from_metadata(meta: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    """The generator config named by checkpoint metadata, if any.

    Args:
        meta: safetensors metadata (``arch`` type name and ``arch_args`` JSON, as
            :mod:`srzoo.apis.export` writes) or an mmengine checkpoint's ``meta``
            (``arch`` dict, or ``cfg`` text whose ``generator=dict(...)`` is parsed, never run).

    Returns:
        ``dict(type=..., **args)``, or None if the metadata names no architecture.
    """
    arch = meta.get("arch")
    if isinstance(arch, Mapping) and "type" in arch:
        return dict(arch)
    if isinstance(arch, str) and arch:
        return dict(type=arch, **json.loads(meta.get("arch_args") or "{}"))
    cfg = meta.get("cfg")
    if isinstance(cfg, str) and "generator" in cfg:
        try:
            for node in ast.walk(ast.parse(cfg)):
                if isinstance(node, ast.keyword) and node.arg == "generator":
                    value = _literal(node.value)
                    return value if isinstance(value, dict) and "type" in value else None
        except (SyntaxError, ValueError, TypeError):
            return None
    return None
