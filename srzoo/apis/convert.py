"""One converter for every generator checkpoint layout srzoo reads.

Layouts (see ``SPEC.md``): srzoo's own and MMagic's mmengine checkpoints (``state_dict`` with
``generator.`` / ``generator_ema.`` prefixes; MMagic's MSRResNet names its blocks
``trunk_net.N``), BasicSR / Real-ESRGAN (``params`` / ``params_ema``), both layouts of the
original ESRGAN repository, bare state dicts and safetensors. Everything is renamed to
BasicSR's keys, which srzoo's backbones (SRResNet, MSRResNet, RRDBNet of Wang et al.,
ECCV-W 2018) use, so converted weights give outputs identical to the source network.
"""

import json
import os
import re
from typing import Any, Dict, Mapping, Optional, Tuple, Union

import torch
from torch import nn

from srzoo.engine.checkpoint import METADATA_KEY, load_checkpoint_file

Source = Union[str, os.PathLike, Mapping[str, Any]]
StateDict = Dict[str, torch.Tensor]

# Original ESRGAN repository, newer layout -> BasicSR.
_ESRGAN_NEW = [
    (r"^RRDB_trunk\.(\d+)\.RDB(\d)\.conv(\d)\.", r"body.\1.rdb\2.conv\3."),
    (r"^trunk_conv\.", "conv_body."),
    (r"^upconv(\d)\.", r"conv_up\1."),
    (r"^HRconv\.", "conv_hr."),
]
# MMagic / old mmsr MSRResNet -> BasicSR.
_MSRRESNET = [
    (r"^(?:trunk_net|recon_trunk)\.(\d+)\.", r"body.\1."),
    (r"^upsample(\d)\.upsample_conv\.", r"upconv\1."),
    (r"^HRconv\.", "conv_hr."),
]
_EMA_FIRST = ("generator_ema.", "generator.")
_OLD_TAIL = {3: "conv_up1", 6: "conv_up2", 8: "conv_hr", 10: "conv_last"}


def _tensors(obj: Mapping[str, Any]) -> StateDict:
    return {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}


def _is_state_dict(obj: Any) -> bool:
    return isinstance(obj, Mapping) and bool(obj) and bool(_tensors(obj))


def detect_layout(obj: Mapping[str, Any]) -> str:
    """Name the layout of a loaded checkpoint.

    Args:
        obj: A loaded checkpoint (e.g. from :func:`srzoo.engine.checkpoint.load_checkpoint_file`).

    Returns:
        One of ``"srzoo"``, ``"mmagic"`` (mmengine ``state_dict`` with ``generator.``
        prefixes; ``"srzoo"`` when its meta mentions srzoo), ``"basicsr"`` (``params`` /
        ``params_ema``), ``"esrgan_new"``, ``"esrgan_old"`` (original ESRGAN repository),
        ``"bare"`` (a plain state dict in BasicSR keys, also safetensors) or ``"unknown"``.
    """
    if not isinstance(obj, Mapping):
        return "unknown"
    sd = obj.get("state_dict")
    if isinstance(sd, Mapping) and any(str(k).startswith("generator") for k in sd):
        meta = obj.get("meta")
        return "srzoo" if "srzoo" in str(meta) else "mmagic"
    if any(_is_state_dict(obj.get(k)) for k in ("params_ema", "params")):
        return "basicsr"
    keys = list(_tensors(obj))
    if any(k.startswith(("RRDB_trunk.", "trunk_conv.")) for k in keys):
        return "esrgan_new"
    if any(k.startswith("model.0.") for k in keys) and any(".sub." in k for k in keys):
        return "esrgan_old"
    return "bare" if keys or _is_state_dict(sd) else "unknown"


def _strip_prefix(sd: Mapping[str, Any], prefix: str) -> StateDict:
    """Keep ``prefix``-ed tensors, unprefixed; drop an EMA wrapper's ``module.`` and ``steps``."""
    out = {k[len(prefix) :]: v for k, v in _tensors(sd).items() if k.startswith(prefix)}
    if out and all(k.startswith("module.") or k == "steps" for k in out):
        out = {k[len("module.") :]: v for k, v in out.items() if k != "steps"}
    return out


def _rename(sd: StateDict, rules: list) -> StateDict:
    out = {}
    for key, value in sd.items():
        for pattern, repl in rules:
            key = re.sub(pattern, repl, key)
        out[key] = value
    return out


def _from_esrgan_old(sd: StateDict) -> StateDict:
    """Rename the oldest ESRGAN layout (``model.0``, ``model.1.sub.N`` ...) to BasicSR keys."""
    blocks = {int(m.group(1)) for k in sd if (m := re.match(r"model\.1\.sub\.(\d+)\.RDB", k))}
    trunk = max(blocks, default=-1) + 1
    upsamplers = {int(k.split(".")[1]) for k in sd if k.startswith("model.")} - {0, 1}
    if upsamplers != set(_OLD_TAIL):
        raise ValueError(
            "old-layout ESRGAN checkpoint with modules "
            f"{sorted(upsamplers)} after the trunk; srzoo reads the x4 layout (model.3/6/8/10)"
        )
    rules = [
        (r"^model\.1\.sub\.(\d+)\.RDB(\d)\.conv(\d)\.0\.", r"body.\1.rdb\2.conv\3."),
        (rf"^model\.1\.sub\.{trunk}\.", "conv_body."),
        (r"^model\.0\.", "conv_first."),
    ]
    return _rename(sd, rules + [(rf"^model\.{i}\.", f"{name}.") for i, name in _OLD_TAIL.items()])


def to_basicsr(obj: Mapping[str, Any], *, prefix: Optional[str] = None) -> StateDict:
    """Extract the generator of a checkpoint in any supported layout, in BasicSR keys.

    EMA weights are preferred where present (``params_ema``, ``generator_ema.``).

    Args:
        obj: A loaded checkpoint or a bare state dict.
        prefix: ``"generator"`` or ``"generator_ema"`` picks the plain or EMA weights
            (``params`` / ``params_ema`` for BasicSR), falling back to the other when the
            file holds only one; another name (e.g. ``"discriminator"``) takes exactly that
            prefix of an mmengine checkpoint. Default: None (EMA first).

    Returns:
        The generator's plain state dict (key -> tensor) in BasicSR's key names.

    Raises:
        ValueError: If no generator weights are recognised; the message lists the
            top-level keys seen.
    """
    layout = detect_layout(obj)
    order = ("generator.", "generator_ema.") if prefix == "generator" else _EMA_FIRST
    if prefix not in (None, "generator", "generator_ema"):
        order = (prefix.rstrip(".") + ".",)
    if layout in ("srzoo", "mmagic"):
        sd = next((w for p in order if (w := _strip_prefix(obj["state_dict"], p))), {})
    elif layout == "basicsr":
        keys = [{"generator.": "params", "generator_ema.": "params_ema"}.get(p) for p in order]
        sd = next((_tensors(obj[k]) for k in keys if _is_state_dict(obj.get(k))), {})
    elif layout == "esrgan_new":
        sd = _rename(_tensors(obj), _ESRGAN_NEW)
    elif layout == "esrgan_old":
        sd = _from_esrgan_old(_tensors(obj))
    elif layout == "bare":
        sd = _tensors(obj) or _tensors(obj["state_dict"])
    else:
        seen = sorted(map(str, obj))[:20] if isinstance(obj, Mapping) else type(obj).__name__
        raise ValueError(f"no generator weights recognised; top-level keys seen: {seen}")
    if sd and all(k.startswith("module.") for k in sd):  # saved from DataParallel
        sd = _strip_prefix(sd, "module.")
    if any(k.startswith(("trunk_net.", "recon_trunk.", "upsample1.upsample_conv.")) for k in sd):
        sd = _rename(sd, _MSRRESNET)
    return sd


def _count_blocks(keys: Any) -> int:
    return len({k.split(".")[1] for k in keys if k.startswith("body.")})


def _upsample_scale(ratio: int, steps: int) -> int:
    """Scale of a sub-pixel upsampler from its conv's channel ratio and number of steps."""
    scale = 4 if steps == 2 else {4: 2, 9: 3}.get(ratio)
    if scale is None:
        raise ValueError(f"unsupported upsampler: {steps} step(s), channel ratio {ratio}")
    return scale


def infer_arch(state_dict: Mapping[str, torch.Tensor]) -> Dict[str, Any]:
    """Infer the backbone config from BasicSR-style key names and tensor shapes.

    RRDBNet (``conv_body``, ``conv_up1``): mid/growth channels and blocks from the shapes,
    scale from ``conv_first``'s input channels (x4: C, Real-ESRGAN x2: 4C, x1: 16C).
    MSRResNet (``upconv1``): x4 if ``upconv2`` exists, else x2 / x3 from ``upconv1``'s
    4x / 9x output channels. SRResNet (``bn_body``): from its ``upsample.N.conv`` steps.
    The original ESRGAN layouts are read after :func:`to_basicsr` renamed them.

    Args:
        state_dict: Generator weights in BasicSR keys.

    Returns:
        ``dict(type=..., in_channels, out_channels, mid_channels, num_blocks,
        [growth_channels,] upscale_factor)`` for ``BACKBONES.build``.

    Raises:
        ValueError: If the keys match no built-in architecture.
    """
    keys = set(state_dict)
    if (
        not {"conv_first.weight", "conv_last.weight"} <= keys
        or state_dict["conv_first.weight"].ndim != 4
    ):
        raise ValueError(f"keys match no built-in generator, e.g. {sorted(keys)[:8]}")
    first, out_c = state_dict["conv_first.weight"], state_dict["conv_last.weight"].shape[0]
    mid, c_first = first.shape[0], first.shape[1]
    arch = dict(out_channels=out_c, mid_channels=mid, num_blocks=_count_blocks(keys))
    if {"conv_body.weight", "conv_up1.weight"} <= keys:
        scale = {1: 4, 4: 2, 16: 1}.get(c_first // out_c) if c_first % out_c == 0 else None
        if scale is None:
            raise ValueError(f"RRDBNet conv_first takes {c_first} channels for {out_c} out")
        growth = state_dict["body.0.rdb1.conv1.weight"].shape[0] if arch["num_blocks"] else 32
        unshuffle = {4: 1, 2: 2, 1: 4}[scale]
        arch.update(type="RRDBNet", in_channels=c_first // unshuffle**2, growth_channels=growth)
    elif "upconv1.weight" in keys:
        ratio = state_dict["upconv1.weight"].shape[0] // mid
        scale = _upsample_scale(ratio, 2 if "upconv2.weight" in keys else 1)
        arch.update(type="MSRResNet", in_channels=c_first)
    elif "bn_body.weight" in keys and "upsample.0.conv.weight" in keys:
        steps = len({k.split(".")[1] for k in keys if k.startswith("upsample.")})
        scale = _upsample_scale(state_dict["upsample.0.conv.weight"].shape[0] // mid, steps)
        arch.update(type="SRResNet", in_channels=c_first)
    else:
        raise ValueError(f"keys match no built-in generator, e.g. {sorted(keys)[:8]}")
    return dict(type=arch.pop("type"), **arch, upscale_factor=scale)


def _metadata_arch(obj: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    """Architecture named by safetensors metadata or an mmengine checkpoint's meta."""
    from srzoo.apis.export import arch_from_metadata  # export writes this metadata

    if isinstance(obj.get(METADATA_KEY), Mapping):
        return arch_from_metadata(obj[METADATA_KEY])
    meta = obj.get("meta")
    return arch_from_metadata(meta) if isinstance(meta, Mapping) else None


def _resolve_arch(obj: Mapping[str, Any], sd: StateDict, arch: Optional[Mapping]) -> Dict[str, Any]:
    """``arch`` (completed from the weights when its type is built in) or inferred."""
    arch = arch if arch is not None else _metadata_arch(obj)
    if arch is None:
        return infer_arch(sd)
    try:
        inferred = infer_arch(sd)
    except ValueError:
        return dict(arch)
    if "type" in arch and arch["type"] != inferred["type"]:
        return dict(arch)
    return {**inferred, **arch}


def load_generator_and_arch(
    source: Source, *, arch: Optional[Mapping[str, Any]] = None
) -> Tuple[nn.Module, Dict[str, Any]]:
    """:func:`load_generator`, also returning the backbone config it built."""
    import srzoo.models  # noqa: F401  (registers the backbones)
    from srzoo.registry import BACKBONES

    name = str(source) if isinstance(source, (str, os.PathLike)) else "the given state dict"
    obj = load_checkpoint_file(source) if isinstance(source, (str, os.PathLike)) else source
    try:
        sd = to_basicsr(obj)
        cfg = _resolve_arch(obj, sd, arch)
    except ValueError as err:
        raise ValueError(f"{name}: {err}") from err
    model = BACKBONES.build(cfg)
    try:
        result = model.load_state_dict(sd, strict=False)
        problems = result.missing_keys[:8], result.unexpected_keys[:8]
    except RuntimeError as err:  # shape mismatches
        raise ValueError(f"{name}: weights do not fit {json.dumps(cfg)}: {err}") from err
    if any(problems):
        raise ValueError(
            f"{name}: weights do not fit {json.dumps(cfg)}; "
            f"missing keys {problems[0]}, unexpected keys {problems[1]}"
        )
    return model.eval(), cfg


def load_generator(source: Source, *, arch: Optional[Mapping[str, Any]] = None) -> nn.Module:
    """Build a generator and load its weights from a checkpoint in any supported layout.

    Args:
        source: A checkpoint path (``.pth``, ``.pt``, ``.safetensors``...) or an in-memory
            checkpoint / state dict.
        arch: Backbone config, e.g. ``dict(type="RRDBNet", num_blocks=23)``. Keys given here
            override those inferred from the weights. Default: None (metadata, else the
            key names and tensor shapes decide).

    Returns:
        The generator on CPU, in eval mode, loaded with ``strict=True`` semantics.

    Raises:
        ValueError: Nothing recognisable in ``source``, or weights that do not fit.
    """
    return load_generator_and_arch(source, arch=arch)[0]


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
        ValueError: If the keys or shapes differ.
    """
    if set(a) != set(b):
        diff = sorted(set(a) ^ set(b))[:8]
        raise ValueError(f"state dicts have different keys, e.g. {diff}")
    out = {}
    for key, ta in a.items():
        tb = b[key]
        if ta.shape != tb.shape:
            raise ValueError(f"{key}: shapes differ, {tuple(ta.shape)} vs {tuple(tb.shape)}")
        out[key] = (1 - alpha) * ta + alpha * tb if ta.is_floating_point() else ta.clone()
    return out
