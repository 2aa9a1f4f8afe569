"""Checkpoint containers: where a file keeps its generator's state dict.

Layouts (see ``docs/checkpoint_layouts.md``): srzoo's own and MMagic's mmengine checkpoints
(``state_dict`` with ``generator.`` / ``generator_ema.`` prefixes), BasicSR / Real-ESRGAN
(``params`` / ``params_ema``), and bare state dicts, also safetensors. This module only
takes the state dict out of its container. Key layouts that belong to one architecture
(the original ESRGAN repository's, MMagic's ``trunk_net``) are renamed by that
architecture's contract (:mod:`srzoo.arch`).
"""

from typing import Any, Dict, Mapping, Optional

import torch

from srzoo.errors import WeightsError

StateDict = Dict[str, torch.Tensor]
_EMA_FIRST = ("generator_ema.", "generator.")
_EXTRA = "_extra_state"  # torch's key of a module's get_extra_state()


def tensors(obj: Mapping[str, Any]) -> StateDict:
    """The tensor entries of a mapping (metadata and counters dropped)."""
    return {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}


def _is_state_dict(obj: Any) -> bool:
    return isinstance(obj, Mapping) and bool(obj) and bool(tensors(obj))


def detect_layout(obj: Any) -> str:
    """Name the container layout of a loaded checkpoint.

    Args:
        obj: A loaded checkpoint (e.g. from :func:`srzoo.checkpoint.load_checkpoint_file`).

    Returns:
        ``"srzoo"``, ``"mmagic"`` (mmengine ``state_dict`` with ``generator.`` prefixes;
        ``"srzoo"`` when its meta mentions srzoo), ``"basicsr"`` (``params`` /
        ``params_ema``), ``"bare"`` (a plain state dict, also safetensors) or ``"unknown"``.
    """
    if not isinstance(obj, Mapping):
        return "unknown"
    sd = obj.get("state_dict")
    if isinstance(sd, Mapping) and any(str(k).startswith("generator") for k in sd):
        return "srzoo" if "srzoo" in str(obj.get("meta")) else "mmagic"
    if any(_is_state_dict(obj.get(k)) for k in ("params_ema", "params")):
        return "basicsr"
    return "bare" if tensors(obj) or _is_state_dict(sd) else "unknown"


def strip_prefix(sd: Mapping[str, Any], prefix: str) -> StateDict:
    """Keep ``prefix``-ed tensors, unprefixed; drop an EMA wrapper's ``module.`` and ``steps``.

    A module's ``_extra_state`` entry (any value, e.g. the Real-ESRGAN training-pair pool)
    is kept too, so that a whole restorer's state round-trips.
    """
    kept = {k: v for k, v in sd.items() if isinstance(v, torch.Tensor) or k.endswith(_EXTRA)}
    out = {k[len(prefix) :]: v for k, v in kept.items() if k.startswith(prefix)}
    if out and all(k.startswith("module.") or k == "steps" for k in out):
        out = {k[len("module.") :]: v for k, v in out.items() if k != "steps"}
    return out


def extract_state_dict(obj: Any, prefix: Optional[str] = None) -> StateDict:
    """The state dict of one part of a checkpoint in any supported container.

    Args:
        obj: A loaded checkpoint or a bare state dict.
        prefix: ``"generator"`` or ``"generator_ema"`` picks the plain or EMA weights
            (``params`` / ``params_ema`` for BasicSR), falling back to the other when the
            file holds only one; another name (e.g. ``"discriminator"``, ``"features"``)
            takes exactly that prefix, of an mmengine checkpoint or of a bare state dict;
            ``""`` takes a whole mmengine ``state_dict`` (every part of a restorer).
            Default: None (the generator, EMA first; a bare state dict whole).

    Returns:
        The plain state dict (key -> tensor), without a DataParallel ``module.`` prefix.

    Raises:
        WeightsError: nothing recognised; the message lists the top-level keys seen.
    """
    layout = detect_layout(obj)
    order = ("generator.", "generator_ema.") if prefix == "generator" else _EMA_FIRST
    if prefix not in (None, "generator", "generator_ema"):
        order = (prefix.rstrip(".") + ".",) if prefix else ("",)
    if layout in ("srzoo", "mmagic"):
        sd = next((w for p in order if (w := strip_prefix(obj["state_dict"], p))), {})
    elif layout == "basicsr":
        keys = [{"generator.": "params", "generator_ema.": "params_ema"}.get(p) for p in order]
        sd = next((tensors(obj[k]) for k in keys if _is_state_dict(obj.get(k))), {})
    elif layout == "bare":
        sd = tensors(obj) or tensors(obj["state_dict"])
        if prefix not in (None, "", "generator", "generator_ema"):
            sd = strip_prefix(sd, order[0])
    else:
        seen = sorted(map(str, obj))[:20] if isinstance(obj, Mapping) else type(obj).__name__
        raise WeightsError(f"no weights recognised; top-level keys seen: {seen}")
    if sd and all(k.startswith("module.") for k in sd):  # saved from DataParallel
        sd = strip_prefix(sd, "module.")
    return sd


def interpolate_state_dicts(
    a: Mapping[str, torch.Tensor], b: Mapping[str, torch.Tensor], alpha: float
) -> StateDict:
    """ESRGAN network interpolation: ``theta = (1 - alpha) * a + alpha * b``.

    Wang et al. (ECCV-W 2018) blend a PSNR-oriented generator ``a`` with a GAN one ``b``.

    Args:
        a: State dict at ``alpha = 0`` (e.g. the PSNR model).
        b: State dict at ``alpha = 1`` (e.g. the GAN model); same keys and shapes as ``a``.
        alpha: Blend weight, normally in [0, 1].

    Returns:
        The blended state dict; non-float tensors are copied from ``a``.

    Raises:
        WeightsError: If the keys or shapes differ.
    """
    if set(a) != set(b):
        diff = sorted(set(a) ^ set(b))[:8]
        raise WeightsError(f"state dicts have different keys, e.g. {diff}")
    out = {}
    for key, ta in a.items():
        tb = b[key]
        if ta.shape != tb.shape:
            raise WeightsError(f"{key}: shapes differ, {tuple(ta.shape)} vs {tuple(tb.shape)}")
        out[key] = (1 - alpha) * ta + alpha * tb if ta.is_floating_point() else ta.clone()
    return out
