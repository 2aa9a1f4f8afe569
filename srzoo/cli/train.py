"""``srzoo train CONFIG``: build the Runner from a config and train (``tools/train.py``)."""

import argparse

from srzoo.cli.parsers import cfg_options
from srzoo.engine.launch import (
    add_tensorboard,
    apply_amp,
    check_gpus_per_process,
    finish_launcher,
    load_config,
    setup_launcher,
)
from srzoo.engine.prerequisites import check_prerequisites
from srzoo.engine.runner import SRRunner
from srzoo.plugins import ensure_plugins


def run(args: argparse.Namespace) -> int:
    """Train as configured; ``--resume auto`` continues from the newest valid checkpoint.

    Every missing prerequisite is reported at once before anything is built; ``--check``
    stops after that check.
    """
    check_gpus_per_process()
    ensure_plugins()
    cfg = load_config(args.config, cfg_options(args.cfg_options), args.work_dir, args.scale)
    if args.resume == "auto":
        cfg.resume, cfg.load_from = True, None
    elif args.resume:
        cfg.resume, cfg.load_from = True, args.resume
    check_prerequisites(cfg, training=True)
    if args.check:
        print(f"{args.config}: every prerequisite is in place")
        return 0
    if args.tensorboard:
        add_tensorboard(cfg)
    setup_launcher(cfg, args.launcher)
    apply_amp(cfg, args.amp)
    try:
        SRRunner.from_cfg(cfg).train()
    finally:
        finish_launcher()
    return 0
