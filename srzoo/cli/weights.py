"""``srzoo convert | export | interpolate``: generator checkpoints in, files out.

* ``convert``: any layout -> BasicSR ``.pth`` (``params``) or safetensors;
* ``export``: safetensors with architecture metadata, ONNX verified with onnxruntime, or
  ``.pth``;
* ``interpolate``: ESRGAN network interpolation of a PSNR and a GAN generator.
"""

import argparse
import sys
from pathlib import Path
from typing import Optional, Tuple

from srzoo.apis.convert import infer_arch, to_basicsr
from srzoo.apis.export import export_checkpoint
from srzoo.apis.inference import generator_from_config
from srzoo.checkpoint import interpolate_state_dicts, load_checkpoint_file
from srzoo.errors import WeightsError
from srzoo.plugins import ensure_plugins


def _config_arch(config: Optional[str]) -> Tuple[Optional[dict], Optional[str]]:
    """(generator dict, config text) of a training config, or (None, None)."""
    if config is None:
        return None, None
    return generator_from_config(config), Path(config).read_text(encoding="utf-8")


def _save(
    source: object, out: str, fmt: Optional[str], arch: Optional[dict], **kwargs: object
) -> None:
    fmt = fmt or {".safetensors": "safetensors", ".onnx": "onnx"}.get(Path(out).suffix, "pth")
    export_checkpoint(source, out, fmt=fmt, arch=arch, **kwargs)
    print(f"wrote {out} ({fmt})", file=sys.stderr)


def run_convert(args: argparse.Namespace) -> int:
    """Write the generator in BasicSR keys (.pth ``params`` or safetensors)."""
    arch, _ = _config_arch(args.config)
    _save(args.checkpoint, args.out, args.format, arch)
    return 0


def run_export(args: argparse.Namespace) -> int:
    """safetensors with metadata, or ONNX verified with onnxruntime."""
    arch, text = _config_arch(args.config)
    extra = {"opset": args.opset} if args.format == "onnx" else {}
    if args.format == "safetensors":
        extra["config_text"] = text
    _save(args.checkpoint, args.out, args.format, arch, **extra)
    return 0


def run_interpolate(args: argparse.Namespace) -> int:
    """``(1 - alpha) * psnr + alpha * gan``, written like ``convert``."""
    a, b = (to_basicsr(load_checkpoint_file(p)) for p in (args.psnr, args.gan))
    if infer_arch(a) != infer_arch(b):
        raise WeightsError(f"different architectures: {infer_arch(a)} vs {infer_arch(b)}")
    _save({"params": interpolate_state_dicts(a, b, args.alpha)}, args.out, None, None)
    return 0


def run(args: argparse.Namespace) -> int:
    """Dispatch ``convert``, ``export`` or ``interpolate``."""
    ensure_plugins()
    commands = {"convert": run_convert, "export": run_export, "interpolate": run_interpolate}
    return commands[args.command](args)
