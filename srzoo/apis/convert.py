"""Generators from checkpoints of any layout, through the per-architecture contract only.

The container (srzoo, MMagic, BasicSR, bare, safetensors) is read by
:mod:`srzoo.checkpoint.layouts`. Everything about one architecture comes from its class in
``BACKBONES`` (:class:`srzoo.arch.SRArch`): its foreign key layouts (the original ESRGAN
repository's belong to RRDBNet, MMagic's ``trunk_net`` to MSRResNet), how it recognises its
weights and infers its constructor arguments. A plugin backbone that declares the contract
is loaded, converted and exported like a built-in one.
"""

import importlib
import json
from typing import Any, Dict, List, Mapping, Optional, Tuple, Type

import torch
from torch import nn

from srzoo.apis.metadata import arch_from_metadata, arch_modules
from srzoo.arch import SRArch
from srzoo.checkpoint import METADATA_KEY, extract_state_dict, load_weights
from srzoo.checkpoint import detect_layout as detect_container
from srzoo.checkpoint.weights import Source, read_source
from srzoo.errors import WeightsError
from srzoo.registry import BACKBONES

StateDict = Dict[str, torch.Tensor]


def contract_backbones() -> List[Tuple[str, Type[SRArch]]]:
    """Every registered backbone that declares the contract, as (name, class), built-ins
    and plugins alike, in registration order."""
    BACKBONES.import_from_location()
    return [
        (name, cls)
        for name, cls in BACKBONES.module_dict.items()
        if isinstance(cls, type) and issubclass(cls, SRArch)
    ]


def to_srzoo_keys(state_dict: Mapping[str, torch.Tensor]) -> StateDict:
    """Rename a foreign key layout of any registered architecture to srzoo's keys."""
    keys = list(state_dict)
    for _, cls in contract_backbones():
        layout = cls.foreign_layout(keys)
        if layout is not None:
            return layout.to_srzoo(dict(state_dict))
    return dict(state_dict)


def detect_layout(obj: Any) -> str:
    """Name the layout of a loaded checkpoint: its container, or a foreign key layout.

    Returns:
        The container (``"srzoo"``, ``"mmagic"``, ``"basicsr"``, ``"unknown"``; see
        :func:`srzoo.checkpoint.detect_layout`) or, for a bare state dict, the name of a
        registered architecture's foreign layout (``"esrgan_new"``, ``"esrgan_old"``,
        ...), else ``"bare"``.
    """
    container = detect_container(obj)
    if container != "bare":
        return container
    keys = list(extract_state_dict(obj))
    layouts = (cls.foreign_layout(keys) for _, cls in contract_backbones())
    return next((layout.name for layout in layouts if layout is not None), "bare")


def to_basicsr(obj: Mapping[str, Any], *, prefix: Optional[str] = None) -> StateDict:
    """The generator of a checkpoint in any supported layout, in srzoo's (BasicSR's) keys.

    Args:
        obj: A loaded checkpoint or a bare state dict.
        prefix: See :func:`srzoo.checkpoint.extract_state_dict`. Default: None (EMA first).

    Raises:
        WeightsError: If no weights are recognised.
    """
    return to_srzoo_keys(extract_state_dict(obj, prefix))


def infer_arch(state_dict: Mapping[str, torch.Tensor]) -> Dict[str, Any]:
    """The backbone config whose contract recognises ``state_dict`` (in srzoo's keys).

    Returns:
        ``dict(type=..., **constructor_args)`` for ``BACKBONES.build``.

    Raises:
        WeightsError: No registered backbone, or more than one, recognises the weights.
    """
    found = []
    for name, cls in contract_backbones():
        args = cls.detect(state_dict)
        if args is not None:
            found.append(dict(type=name, **args))
    if len(found) == 1:
        return found[0]
    if found:
        names = [f["type"] for f in found]
        raise WeightsError(f"weights match several generators {names}; pass arch= / --config")
    names = [name for name, _ in contract_backbones()]
    raise WeightsError(
        f"keys match no registered generator ({', '.join(names)}), e.g. {sorted(state_dict)[:8]}"
    )


def _metadata(obj: Any) -> Mapping[str, Any]:
    """safetensors metadata or an mmengine checkpoint's ``meta`` ({} for neither)."""
    if not isinstance(obj, Mapping):
        return {}
    for key in (METADATA_KEY, "meta"):
        if isinstance(obj.get(key), Mapping):
            return obj[key]
    return {}


def _metadata_arch(obj: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    """Architecture named by safetensors metadata or an mmengine checkpoint's meta."""
    meta = _metadata(obj)
    return arch_from_metadata(meta) if meta else None


def ensure_registered(arch_type: str, modules: List[str], name: str) -> None:
    """Import the modules a checkpoint names for ``arch_type`` when it is not registered yet.

    A plugin's generator is found from the file alone, when its module is importable (the
    current folder, ``PYTHONPATH``, or an installed package).

    Raises:
        WeightsError: still not registered; the message names the modules tried.
    """
    if BACKBONES.get(arch_type) is not None:
        return
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            continue
    if BACKBONES.get(arch_type) is None:
        where = (
            f" The file names module(s) {modules}, which cannot be imported here."
            if modules
            else ""
        )
        raise WeightsError(
            f"{name}: its generator '{arch_type}' is not registered.{where} Run srzoo from the "
            "folder that holds the module, put it on PYTHONPATH or install its package, or "
            "pass the training config (--config)."
        )


def _resolve_arch(obj: Mapping[str, Any], sd: StateDict, arch: Optional[Mapping]) -> Dict[str, Any]:
    """``arch`` (completed from the weights when the same type recognises them) or inferred."""
    arch = arch if arch is not None else _metadata_arch(obj)
    if arch is None:
        return infer_arch(sd)
    try:
        inferred = infer_arch(sd)
    except WeightsError:
        return dict(arch)
    if "type" in arch and arch["type"] != inferred["type"]:
        return dict(arch)
    return {**inferred, **arch}


def load_generator_and_arch(
    source: Source, *, arch: Optional[Mapping[str, Any]] = None
) -> Tuple[nn.Module, Dict[str, Any]]:
    """:func:`load_generator`, also returning the backbone config it built."""
    obj, name = read_source(source)
    try:
        sd = to_basicsr(obj)
        cfg = _resolve_arch(obj, sd, arch)
    except WeightsError as err:
        raise WeightsError(f"{name}: {err}") from err
    ensure_registered(str(cfg.get("type")), arch_modules(_metadata(obj)), name)
    model = BACKBONES.build(cfg)
    load_weights(model, sd, prefix=None, name=f"{name} ({json.dumps(cfg)})")
    return model.eval(), cfg


def load_generator(source: Source, *, arch: Optional[Mapping[str, Any]] = None) -> nn.Module:
    """Build a generator and load its weights from a checkpoint in any supported layout.

    Args:
        source: A checkpoint path (``.pth``, ``.pt``, ``.safetensors``...), a work dir, or
            an in-memory checkpoint / state dict.
        arch: Backbone config, e.g. ``dict(type="RRDBNet", num_blocks=23)``. Keys given here
            override those inferred from the weights. Default: None (metadata, else the
            registered backbones' contracts decide from key names and tensor shapes).

    Returns:
        The generator on CPU, in eval mode, loaded with ``strict=True``.

    Raises:
        WeightsError: Nothing recognisable in ``source``, or weights that do not fit.
    """
    return load_generator_and_arch(source, arch=arch)[0]
