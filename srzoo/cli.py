"""The ``srzoo`` console command: ``upscale``, ``convert``, ``export`` and ``interpolate``.

``tools/infer.py``, ``tools/convert_checkpoint.py``, ``tools/export.py`` and
``tools/interpolate.py`` are thin wrappers around the same functions.

Examples::

    srzoo upscale photo.png photos/ "scans/*.tif" -o out/ --model esrgan.pth --tile 256
    srzoo convert RRDB_ESRGAN_x4.pth -o esrgan_x4.safetensors
    srzoo export esrgan.pth --format onnx -o esrgan_x4.onnx
    srzoo interpolate psnr.pth gan.pth --alpha 0.8 -o interp_08.pth
"""

import argparse
import glob
import sys
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

IMG_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm")


def collect_inputs(inputs: Sequence[str]) -> Tuple[List[Path], List[str]]:
    """Expand files, folders (their images, sorted) and glob patterns.

    Returns:
        (files, errors): the files found, and one message per input that matched nothing.
    """
    files: List[Path] = []
    errors: List[str] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = sorted(
                p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMG_SUFFIXES
            )
        elif path.is_file():
            found = [path]
        else:
            found = [Path(p) for p in sorted(glob.glob(item, recursive=True)) if Path(p).is_file()]
        if not found:
            errors.append(f"{item}: no such file, no images in that folder, or no glob match")
        files.extend(found)
    return files, errors


def output_path(src: Path, out: Path, suffix: str, ext: Optional[str], single: bool) -> Path:
    """Where the upscaled ``src`` goes: ``out`` itself for one input named like an image,
    else ``out/<stem><suffix><ext>``."""
    if single and out.suffix.lower() in IMG_SUFFIXES:
        return out
    extension = ext if ext else src.suffix
    extension = extension if extension.startswith(".") else "." + extension
    return out / f"{src.stem}{suffix}{extension}"


def _add_upscale(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("upscale", help="super-resolve images, folders or globs")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files, folders or globs")
    p.add_argument("-o", "--out", required=True, help="output folder (or file, for one input)")
    p.add_argument("--model", required=True, help="checkpoint in any supported layout")
    p.add_argument("--config", help="training config naming the generator")
    p.add_argument("--tile", type=int, default=0, help="tile size in LR px; 0 = whole image")
    p.add_argument("--tile-overlap", type=int, default=32, help="tile context in LR px")
    p.add_argument("--device", default="cpu", help="e.g. cpu, cuda, cuda:1")
    p.add_argument("--dtype", choices=("fp32", "bf16", "fp16"), default="fp32")
    p.add_argument("--suffix", default="", help="appended to each output file name")
    p.add_argument("--ext", help="output format, e.g. png (default: the input's)")
    p.add_argument("--alpha-mode", choices=("model", "bicubic"), default="model")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_convert(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("convert", help="any layout -> BasicSR .pth or .safetensors")
    p.add_argument("checkpoint", help="checkpoint in any supported layout")
    p.add_argument("-o", "--out", required=True, help="output .pth or .safetensors")
    p.add_argument("--format", choices=("pth", "safetensors"), help="default: from --out")
    p.add_argument("--config", help="training config naming the generator")


def _add_export(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export to safetensors or ONNX")
    p.add_argument("checkpoint", help="checkpoint in any supported layout")
    p.add_argument("--format", choices=("safetensors", "onnx", "pth"), required=True)
    p.add_argument("-o", "--out", required=True, help="output file")
    p.add_argument("--config", help="training config naming the generator (stored as metadata)")
    p.add_argument("--opset", type=int, default=17, help="ONNX opset (>= 17)")


def _add_interpolate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("interpolate", help="ESRGAN network interpolation of two generators")
    p.add_argument("psnr", help="checkpoint at alpha = 0 (PSNR-oriented)")
    p.add_argument("gan", help="checkpoint at alpha = 1 (GAN)")
    p.add_argument("--alpha", type=float, required=True, help="(1 - alpha) * psnr + alpha * gan")
    p.add_argument("-o", "--out", required=True, help="output .pth or .safetensors")


def build_parser() -> argparse.ArgumentParser:
    """The ``srzoo`` argument parser with its four sub-commands."""
    parser = argparse.ArgumentParser(prog="srzoo", description="srzoo super-resolution tools")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (_add_upscale, _add_convert, _add_export, _add_interpolate):
        add(sub)
    return parser


def _fail(message: str) -> int:
    print(f"srzoo: error: {message}", file=sys.stderr)
    return 2


def _config_arch(config: Optional[str]) -> Tuple[Optional[dict], Optional[str]]:
    """(generator dict, config text) of a training config, or (None, None)."""
    if config is None:
        return None, None
    from srzoo.apis.inference import generator_from_config

    return generator_from_config(config), Path(config).read_text(encoding="utf-8")


def run_upscale(args: argparse.Namespace) -> int:
    """``srzoo upscale``: 0 if every image was written, 1 if any failed, 2 on bad usage."""
    from tqdm import tqdm

    from srzoo.apis.inference import Upscaler

    files, errors = collect_inputs(args.inputs)
    for message in errors:
        print(f"error: {message}", file=sys.stderr)
    try:
        upscaler = Upscaler.from_checkpoint(
            args.model,
            config=args.config,
            tile=args.tile,
            tile_overlap=args.tile_overlap,
            device=args.device,
            dtype=args.dtype,
            alpha_mode=args.alpha_mode,
        )
    except (OSError, ValueError, RuntimeError) as err:
        return _fail(f"cannot load model {args.model}: {err}")
    out, failed, written = Path(args.out), len(errors), 0
    bar = tqdm(files, unit="img", desc=f"x{upscaler.scale}", disable=args.quiet, file=sys.stderr)
    for src in bar:
        dst = output_path(src, out, args.suffix, args.ext, single=len(files) == 1)
        try:
            if dst.resolve() == src.resolve():
                raise ValueError("output would overwrite the input; pass --suffix or another -o")
            upscaler.upscale_file(src, dst)
            written += 1
        except (OSError, ValueError, RuntimeError, TypeError) as err:
            failed += 1
            tqdm.write(f"error: {src}: {err}", file=sys.stderr)
    print(f"wrote {written} of {len(files)} image(s) to {out}", file=sys.stderr)
    return 1 if failed else 0


def _save(
    source: object, out: str, fmt: Optional[str], arch: Optional[dict], **kwargs: object
) -> None:
    from srzoo.apis.export import export_checkpoint

    fmt = fmt or {".safetensors": "safetensors", ".onnx": "onnx"}.get(Path(out).suffix, "pth")
    export_checkpoint(source, out, fmt=fmt, arch=arch, **kwargs)
    print(f"wrote {out} ({fmt})", file=sys.stderr)


def run_convert(args: argparse.Namespace) -> int:
    """``srzoo convert``: write the generator in BasicSR keys (.pth ``params`` or safetensors)."""
    arch, _ = _config_arch(args.config)
    _save(args.checkpoint, args.out, args.format, arch)
    return 0


def run_export(args: argparse.Namespace) -> int:
    """``srzoo export``: safetensors with metadata, or ONNX verified with onnxruntime."""
    arch, text = _config_arch(args.config)
    extra = {"opset": args.opset} if args.format == "onnx" else {}
    if args.format == "safetensors":
        extra["config_text"] = text
    _save(args.checkpoint, args.out, args.format, arch, **extra)
    return 0


def run_interpolate(args: argparse.Namespace) -> int:
    """``srzoo interpolate``: ``(1 - alpha) * psnr + alpha * gan``, written like ``convert``."""
    from srzoo.apis.convert import infer_arch, interpolate_state_dicts, to_basicsr
    from srzoo.engine.checkpoint import load_checkpoint_file

    a, b = (to_basicsr(load_checkpoint_file(p)) for p in (args.psnr, args.gan))
    if infer_arch(a) != infer_arch(b):
        return _fail(f"different architectures: {infer_arch(a)} vs {infer_arch(b)}")
    _save({"params": interpolate_state_dicts(a, b, args.alpha)}, args.out, None, None)
    return 0


COMMANDS = {"upscale": run_upscale, "convert": run_convert, "export": run_export}
COMMANDS["interpolate"] = run_interpolate


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``srzoo`` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "upscale":
        return run_upscale(args)
    try:
        return COMMANDS[args.command](args)
    except (OSError, ValueError, RuntimeError, ImportError) as err:
        return _fail(str(err))


def tool_main(command: str, argv: Optional[Sequence[str]] = None) -> int:
    """Run one sub-command with ``argv`` (default ``sys.argv[1:]``); for ``tools/*.py``."""
    return main([command, *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
