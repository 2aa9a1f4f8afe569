"""Speed benchmark: ``python tools/benchmark.py CONFIG-or-GENERATOR [options]``.

Writes a Markdown table (and a JSON copy) with the training iteration split into data
time, G step and D step; inference ms per megapixel and peak memory for fp32/bf16,
contiguous/channels_last, eager/compiled and tiled/untiled; and srzoo's ``train_step``
against the same work in a bare PyTorch loop. Variants are written like ``bf16+cl``,
``fp32+compile`` or ``fp32+tile``. ``--tiny`` is a smoke run of a few seconds.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from srzoo.engine.launch import DictAction  # noqa: E402
from srzoo.engine.speed_report import SpeedOptions, run_speed_benchmark  # noqa: E402

TINY = dict(
    iters=1,
    warmup=1,
    batch_size=2,
    infer_size=32,
    tile=16,
    tile_overlap=4,
    repeats=1,
    train_variants="fp32,bf16+cl",
    infer_variants="fp32,bf16+cl,fp32+tile",
    isolate=False,
)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="srzoo speed benchmark")
    p.add_argument("target", help="a config file, or a registered generator name (RRDBNet)")
    p.add_argument("--out", default="work_dirs/benchmark/speed.md", help="Markdown output")
    p.add_argument("--tiny", action="store_true", help="a few seconds' smoke run")
    p.add_argument("--iters", type=int, help="timed training iterations per variant (5)")
    p.add_argument("--warmup", type=int, help="untimed iterations first (1)")
    p.add_argument("--batch-size", type=int, help="training batch (config's)")
    p.add_argument("--gt-size", type=int, help="GT patch side (config's)")
    p.add_argument("--train-variants", help="e.g. fp32,bf16,fp32+cl,bf16+cl")
    p.add_argument("--infer-variants", help="e.g. fp32,bf16+cl,fp32+compile,fp32+tile128")
    p.add_argument("--infer-size", type=int, help="LR side of the inference input (128)")
    p.add_argument("--tile", type=int, help="tile side in LR pixels (infer-size / 2)")
    p.add_argument("--tile-overlap", type=int, help="tile context in LR pixels (32)")
    p.add_argument("--repeats", type=int, help="timed inference calls per variant (3)")
    p.add_argument("--threads", type=int, help="torch threads (torch's default)")
    p.add_argument("--device", help="cpu or cuda (cuda when available)")
    p.add_argument("--compile-backend", help="torch.compile backend (inductor)")
    p.add_argument(
        "--no-isolate",
        dest="isolate",
        action="store_false",
        default=None,
        help="time inference in this process (default: one process per variant)",
    )
    p.add_argument("--no-train", action="store_true", help="skip the training tables")
    p.add_argument("--no-infer", action="store_true", help="skip the inference table")
    p.add_argument("--cfg-options", nargs="+", action=DictAction, help="key=value overrides")
    return p.parse_args(argv)


def options_from_args(args: argparse.Namespace) -> SpeedOptions:
    """Defaults, then ``--tiny``'s settings, then every option given explicitly."""
    values = dict(TINY) if args.tiny else {}
    names = [f for f in SpeedOptions.__dataclass_fields__ if f not in ("target", "train", "infer")]
    values.update({k: getattr(args, k) for k in names if getattr(args, k, None) is not None})
    return SpeedOptions(
        target=args.target, train=not args.no_train, infer=not args.no_infer, **values
    )


def main(argv=None) -> None:
    path = run_speed_benchmark(options_from_args(parse_args(argv)))
    print(path.read_text())
    print(f"written: {path} and {path.with_suffix('.json')}")


if __name__ == "__main__":
    main()
