"""``srzoo test CONFIG CHECKPOINT``: accuracy tables on every test set (``tools/test.py``).

Writes ``benchmark.{md,csv,json}`` (rows: data sets, plus a bicubic row each; columns: the
config's metrics, PSNR / SSIM on RGB and on Y, and NIQE / LPIPS when configured, each header
naming its convention) and ``per_image.{md,csv,json}`` (each image's values) into the
work dir. ``--compare RUN_DIR...`` merges earlier
runs into one models-by-datasets table beside the published numbers.
"""

import argparse
import json
from pathlib import Path

from srzoo.cli.parsers import cfg_options
from srzoo.engine.launch import finish_launcher, load_config, setup_launcher
from srzoo.errors import UsageError
from srzoo.evaluation.evaluate import run_caption, run_test
from srzoo.evaluation.tables import compare_tables, run_conventions, to_markdown, write_tables
from srzoo.plugins import ensure_plugins


def compare(runs: list, out: str) -> None:
    """Merge runs (folders written by this command) with their configs' published numbers."""
    refs, caption = {}, []
    for run_dir in runs:
        meta = Path(run_dir) / "model_zoo.json"
        if meta.is_file():
            info = json.loads(meta.read_text())
            refs[info.get("name", Path(run_dir).name)] = info.get("published", {})
            caption.append(run_caption(info))
    rows, conventions = compare_tables(runs, refs), run_conventions(runs)
    write_tables(rows, out, stem="compare", conventions=conventions, caption=caption)
    print(to_markdown(rows, conventions))
    print(f"comparison tables written to {out}/compare.{{md,csv,json}}")


def run(args: argparse.Namespace) -> int:
    """Evaluate, or with ``--compare`` merge earlier runs."""
    if args.compare:
        compare(args.compare, args.out)
        return 0
    if not (args.config and args.checkpoint):
        raise UsageError(
            "usage: srzoo test CONFIG CHECKPOINT [options]  |  srzoo test --compare RUN..."
        )
    ensure_plugins()
    cfg = load_config(args.config, cfg_options(args.cfg_options), args.work_dir, args.scale)
    setup_launcher(cfg, args.launcher)
    try:
        paths = run_test(
            cfg,
            args.checkpoint,
            save_images=args.save_images,
            bicubic=not args.no_bicubic,
            datasets=args.datasets,
        )
    finally:
        finish_launcher()
    for path in paths.values():
        print(f"wrote {path}")
    return 0
