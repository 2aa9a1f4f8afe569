"""``srzoo speed CONFIG-or-GENERATOR``: the speed benchmark (``tools/speed.py``).

Writes a Markdown table (and a JSON copy) with the training iteration split into data
time, G step and D step; inference ms per megapixel and peak memory for fp32/bf16,
contiguous/channels_last, eager/compiled and tiled/untiled; and srzoo's ``train_step``
against the same work in a bare PyTorch loop. Variants are written like ``bf16+cl``,
``fp32+compile`` or ``fp32+tile``. ``--tiny`` is a smoke run of a few seconds.
"""

import argparse

from srzoo.cli.parsers import cfg_options
from srzoo.plugins import ensure_plugins
from srzoo.speed.report import SpeedOptions, run_speed_benchmark

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


def options_from_args(args: argparse.Namespace) -> SpeedOptions:
    """Defaults, then ``--tiny``'s settings, then every option given explicitly."""
    values = dict(TINY) if args.tiny else {}
    skip = ("target", "train", "infer", "cfg_options")
    names = [f for f in SpeedOptions.__dataclass_fields__ if f not in skip]
    values.update({k: getattr(args, k) for k in names if getattr(args, k, None) is not None})
    return SpeedOptions(
        target=args.target,
        train=not args.no_train,
        infer=not args.no_infer,
        cfg_options=cfg_options(args.cfg_options),
        **values,
    )


def run(args: argparse.Namespace) -> int:
    """Run the benchmark and print the report."""
    ensure_plugins()
    path = run_speed_benchmark(options_from_args(args))
    print(path.read_text())
    print(f"written: {path} and {path.with_suffix('.json')}")
    return 0
