"""``srzoo train CONFIG``: build the Runner from a config and train (``tools/train.py``)."""

import argparse

from srzoo.cli.parsers import cfg_options
from srzoo.engine.launch import apply_amp, load_config, setup_launcher
from srzoo.engine.runner import SRRunner
from srzoo.plugins import ensure_plugins


def run(args: argparse.Namespace) -> int:
    """Train as configured; ``--resume auto`` continues from the newest valid checkpoint."""
    ensure_plugins()
    cfg = load_config(args.config, cfg_options(args.cfg_options), args.work_dir)
    setup_launcher(cfg, args.launcher)
    apply_amp(cfg, args.amp)
    if args.resume == "auto":
        cfg.resume, cfg.load_from = True, None
    elif args.resume:
        cfg.resume, cfg.load_from = True, args.resume
    SRRunner.from_cfg(cfg).train()
    return 0
