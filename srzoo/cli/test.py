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


def refuse_ignored_overrides(cfg, options) -> None:
    """A ``test_dataloader.dataset`` override of a config that tests on ``test_datasets``.

    Such a config evaluates each entry of ``test_datasets``; ``test_dataloader.dataset`` is
    only the fallback of configs without them, so the override would change nothing.

    Raises:
        UsageError: naming the sets and the keys to set instead.
    """
    ignored = [k for k in options or {} if k.startswith("test_dataloader.dataset")]
    if ignored and cfg.get("test_datasets"):
        names = ", ".join(entry["name"] for entry in cfg.test_datasets)
        field = ignored[0].split(".", 2)[2] if ignored[0].count(".") >= 2 else "data_root"
        raise UsageError(
            f"--cfg-options {ignored[0]}: this config tests on its test_datasets ({names}), "
            f"not test_dataloader.dataset; set test_datasets.<i>.dataset.{field} (e.g. "
            f"test_datasets.0.dataset.{field}=...), and --datasets NAME picks sets"
        )


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
    options = cfg_options(args.cfg_options)
    cfg = load_config(args.config, options, args.work_dir, args.scale)
    refuse_ignored_overrides(cfg, options)
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
