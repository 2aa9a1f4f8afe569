"""Train a restorer from a config: ``python tools/train.py CONFIG [options]``."""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from srzoo.engine.launch import DictAction, apply_amp, load_config, setup_launcher  # noqa: E402
from srzoo.engine.runner import SRRunner  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train an srzoo restorer")
    parser.add_argument("config", help="config file, e.g. configs/esrgan_x4.py")
    parser.add_argument("--work-dir", help="where logs and checkpoints go")
    parser.add_argument(
        "--resume",
        nargs="?",
        const="auto",
        help="'auto' (newest valid checkpoint in the work dir) or a checkpoint path",
    )
    parser.add_argument("--amp", nargs="?", const="bf16", choices=["bf16", "fp16"])
    parser.add_argument("--cfg-options", nargs="+", action=DictAction, help="key=value overrides")
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm"], default="none")
    parser.add_argument("--local-rank", "--local_rank", type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options, args.work_dir)
    setup_launcher(cfg, args.launcher)
    apply_amp(cfg, args.amp)
    if args.resume == "auto":
        cfg.resume, cfg.load_from = True, None
    elif args.resume:
        cfg.resume, cfg.load_from = True, args.resume
    runner = SRRunner.from_cfg(cfg)
    runner.train()


if __name__ == "__main__":
    from srzoo.utils.user_errors import run_tool

    run_tool(main)
