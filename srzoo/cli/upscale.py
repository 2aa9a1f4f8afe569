"""``srzoo upscale INPUT... -o OUT --model CKPT``: super-resolve images, folders and globs.

Every input is tried; a bad one is reported on one line and the others still run. The
exit status is 0 when every image was written, 1 otherwise.
"""

import argparse
import glob
import sys
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from tqdm import tqdm

from srzoo.apis.inference import Upscaler
from srzoo.errors import USER_ERRORS, UsageError
from srzoo.plugins import ensure_plugins
from srzoo.utils.names import IMAGE_EXTENSIONS


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
                p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS
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
    if single and out.suffix.lower() in IMAGE_EXTENSIONS:
        return out
    extension = ext if ext else src.suffix
    extension = extension if extension.startswith(".") else "." + extension
    return out / f"{src.stem}{suffix}{extension}"


def run(args: argparse.Namespace) -> int:
    """Upscale every input; 0 if every image was written, 1 if any failed."""
    ensure_plugins()
    files, errors = collect_inputs(args.inputs)
    for message in errors:
        print(f"error: {message}", file=sys.stderr)
    upscaler = Upscaler.from_checkpoint(
        args.model,
        config=args.config,
        tile=args.tile,
        tile_overlap=args.tile_overlap,
        device=args.device,
        dtype=args.dtype,
        alpha_mode=args.alpha_mode,
    )
    out, failed, written = Path(args.out), len(errors), 0
    bar = tqdm(files, unit="img", desc=f"x{upscaler.scale}", disable=args.quiet, file=sys.stderr)
    for src in bar:
        dst = output_path(src, out, args.suffix, args.ext, single=len(files) == 1)
        try:
            if dst.resolve() == src.resolve():
                raise UsageError("output would overwrite the input; pass --suffix or another -o")
            upscaler.upscale_file(src, dst)
            written += 1
        except USER_ERRORS as err:  # a bad image or path; a bug still stops with a traceback
            failed += 1
            tqdm.write(f"error: {src}: {err}", file=sys.stderr)
    print(f"wrote {written} of {len(files)} image(s) to {out}", file=sys.stderr)
    return 1 if failed else 0
