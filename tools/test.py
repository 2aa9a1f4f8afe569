"""Benchmark tables: ``python tools/test.py CONFIG CHECKPOINT`` evaluates every test set.

Writes ``benchmark.{md,csv,json}`` (rows: data sets, plus a bicubic row each; columns:
PSNR / SSIM on RGB and on Y) into the work dir. ``--compare RUN_DIR...`` merges earlier
runs into one models-by-datasets table beside the published numbers.
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from srzoo.engine.launch import DictAction  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Evaluate an srzoo model on its test sets")
    parser.add_argument("config", nargs="?", help="config file")
    parser.add_argument("checkpoint", nargs="?", help="checkpoint (srzoo, BasicSR, MMagic...)")
    parser.add_argument("--work-dir", help="where the tables go (default work_dirs/<config>)")
    parser.add_argument("--save-images", action="store_true", help="write the SR outputs")
    parser.add_argument("--no-bicubic", action="store_true", help="skip the bicubic rows")
    parser.add_argument("--compare", nargs="+", metavar="RUN", help="merge earlier runs' tables")
    parser.add_argument("--out", default="work_dirs/compare", help="folder for --compare tables")
    parser.add_argument("--cfg-options", nargs="+", action=DictAction, help="key=value overrides")
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm"], default="none")
    parser.add_argument("--local-rank", "--local_rank", type=int, default=0)
    return parser.parse_args(argv)


def compare(runs: list, out: str) -> None:
    """Merge runs (folders written by this tool) with their configs' published numbers."""
    from srzoo.evaluation.tables import compare_tables, to_markdown, write_tables

    refs = {}
    for run in runs:
        meta = Path(run) / "model_zoo.json"
        if meta.is_file():
            info = json.loads(meta.read_text())
            refs[info.get("name", Path(run).name)] = info.get("published", {})
    rows = compare_tables(runs, refs)
    write_tables(rows, out, stem="compare")
    print(to_markdown(rows))
    print(f"comparison tables written to {out}/compare.{{md,csv,json}}")


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.compare:
        return compare(args.compare, args.out)
    if not (args.config and args.checkpoint):
        sys.exit(
            "usage: tools/test.py CONFIG CHECKPOINT [options]  |  tools/test.py --compare RUN..."
        )
    from srzoo.engine.benchmark_run import run_benchmark
    from srzoo.engine.launch import load_config, setup_launcher

    cfg = load_config(args.config, args.cfg_options, args.work_dir)
    setup_launcher(cfg, args.launcher)
    paths = run_benchmark(
        cfg, args.checkpoint, save_images=args.save_images, bicubic=not args.no_bicubic
    )
    for path in paths.values():
        print(f"wrote {path}")


if __name__ == "__main__":
    from srzoo.utils.user_errors import run_tool

    run_tool(main)
