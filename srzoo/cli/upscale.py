"""``srzoo upscale INPUT... -o OUT --model CKPT``: super-resolve images, folders and globs.

Every input is tried; a bad one is reported on one line and the others still run. The
exit status is 0 when every image was written, 1 otherwise.

Output names never collide: a glob's matches keep their folders relative to the glob's
fixed part (``scans/**/*.png`` writes ``OUT/day1/page.png`` and ``OUT/day2/page.png``),
and any two inputs that would still map to one output file (two folders holding the same
name, ``a.png`` and ``a.jpg`` with ``--ext png`` ...) stop the command before any image is
written, with an error naming both inputs. An output that would overwrite an input stops it
the same way. The count printed is the number of files written.
"""

import argparse
import glob
import os
import sys
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

from tqdm import tqdm

from srzoo.apis.image_formats import FORMATS
from srzoo.apis.inference import Upscaler
from srzoo.errors import USER_ERRORS, UsageError
from srzoo.plugins import ensure_plugins
from srzoo.utils.names import IMAGE_EXTENSIONS

_LISTED = 5


class Source(NamedTuple):
    """One input image and its path under ``-o`` (folders kept for glob matches)."""

    path: Path
    rel: Path


def _glob_root(pattern: str) -> Path:
    """The fixed leading folders of a glob pattern (``scans`` for ``scans/**/*.png``)."""
    fixed = []
    for part in Path(pattern).parts:
        if glob.has_magic(part):
            break
        fixed.append(part)
    return Path(*fixed) if fixed else Path(".")


def _key(path: Path) -> str:
    """A path's identity for collision checks (absolute, normalised)."""
    return os.path.normcase(os.path.abspath(path))


def _why_nothing(path: Path, item: str) -> str:
    """Why an input gave no image: an empty folder, a pattern, or a missing path."""
    if path.is_dir():
        return f"no images ({', '.join(sorted(IMAGE_EXTENSIONS))}) in this folder"
    if glob.has_magic(item):
        return "no file matches this pattern"
    return "no such file or folder"


def collect_inputs(inputs: Sequence[str]) -> Tuple[List[Source], List[str]]:
    """Expand files, folders (their images, sorted) and glob patterns; drop repeats.

    Returns:
        (sources, errors): the images found, each with its relative output path, and one
        message per input that matched nothing.
    """
    sources: Dict[str, Source] = {}
    errors: List[str] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = [
                Source(p, Path(p.name))
                for p in sorted(path.iterdir())
                if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS
            ]
        elif path.is_file():
            found = [Source(path, Path(path.name))]
        else:
            root = _glob_root(item)
            matches = [Path(p) for p in sorted(glob.glob(item, recursive=True))]
            found = [Source(p, p.relative_to(root)) for p in matches if p.is_file()]
        if not found:
            errors.append(f"{item}: {_why_nothing(path, item)}")
        for source in found:  # the same file named twice is upscaled once
            sources.setdefault(_key(source.path), source)
    return list(sources.values()), errors


def output_path(src: Source, out: Path, suffix: str, ext: Optional[str], single: bool) -> Path:
    """Where the upscaled ``src`` goes: ``out`` itself for one input named like an image,
    else ``out/<relative folder>/<stem><suffix><ext>``."""
    if single and out.suffix.lower() in IMAGE_EXTENSIONS:
        return out
    extension = ext if ext else src.path.suffix
    extension = extension if extension.startswith(".") else "." + extension
    return out / src.rel.parent / f"{src.path.stem}{suffix}{extension}"


def plan_outputs(sources: List[Source], args: argparse.Namespace) -> List[Tuple[Path, Path]]:
    """``(input, output)`` pairs, checked: no two inputs share an output, none overwrites an
    input.

    Raises:
        UsageError: naming the inputs involved (up to five conflicts), before any work.
    """
    out, single = Path(args.out), len(sources) == 1
    plan = [(s.path, output_path(s, out, args.suffix, args.ext, single)) for s in sources]
    inputs = {_key(src): src for src, _ in plan}
    claimed: Dict[str, Path] = {}
    conflicts = []
    for src, dst in plan:
        key = _key(dst)
        if key in inputs:
            conflicts.append(
                f"{dst} would overwrite the input {inputs[key]}; pass --suffix or another -o"
            )
        elif key in claimed:
            conflicts.append(f"{dst} would be written for both {claimed[key]} and {src}")
        claimed.setdefault(key, src)
    if conflicts:
        more = f" (and {len(conflicts) - _LISTED} more)" if len(conflicts) > _LISTED else ""
        raise UsageError(
            "output names collide, nothing written: "
            + "; ".join(conflicts[:_LISTED])
            + more
            + ". Inputs from several folders keep their folders under -o when given as "
            "one glob (e.g. 'scans/**/*.png'); or use --suffix / separate runs"
        )
    return plan


def _same_file_written(dst: Path, written: List[Path]) -> Optional[Path]:
    """An output of this run that ``dst`` is the same file as (a case-insensitive disk)."""
    if not dst.exists():
        return None
    return next((w for w in written if w.exists() and os.path.samefile(w, dst)), None)


def _tile_postfix(bar: tqdm) -> Callable[[int, int], None]:
    """A tiling progress callback that shows ``tile i/n`` beside the per-image bar."""

    def show(done: int, total: int) -> None:
        if total > 1:
            bar.set_postfix_str(f"tile {done}/{total}")

    return show


def run(args: argparse.Namespace) -> int:
    """Upscale every input; 0 if every image was written, 1 if any failed."""
    ensure_plugins()
    if args.ext and "." + args.ext.lstrip(".").lower() not in FORMATS:
        raise UsageError(f"--ext {args.ext}: srzoo writes {', '.join(FORMATS)}")
    sources, errors = collect_inputs(args.inputs)
    if not sources:
        raise UsageError("nothing to upscale: " + "; ".join(errors))
    for message in errors:
        print(f"srzoo: error: {message}", file=sys.stderr)
    upscaler = Upscaler.from_checkpoint(
        args.model,
        config=args.config,
        tile=args.tile,
        tile_overlap=args.tile_overlap,
        device=args.device,
        dtype=args.dtype,
        alpha_mode=args.alpha_mode,
    )
    plan = plan_outputs(sources, args)
    out, failed, written = Path(args.out), len(errors), []
    bar = tqdm(plan, unit="img", desc=f"x{upscaler.scale}", disable=args.quiet, file=sys.stderr)
    for src, dst in bar:
        try:
            earlier = _same_file_written(dst, written)
            if earlier is not None:
                raise UsageError(f"{dst} is the same file as the output {earlier}; not replaced")
            upscaler.upscale_file(src, dst, progress=_tile_postfix(bar))
            written.append(dst)
        except USER_ERRORS as err:  # a bad image or path; a bug still stops with a traceback
            failed += 1
            tqdm.write(f"srzoo: error: {src}: {err}", file=sys.stderr)
    unmatched = f"; {len(errors)} input(s) gave no image" if errors else ""
    print(f"wrote {len(written)} of {len(plan)} image(s) to {out}{unmatched}", file=sys.stderr)
    return 1 if failed else 0
