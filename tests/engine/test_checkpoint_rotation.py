"""A new best checkpoint never adds an ``iter_N.pth`` nor pushes a requested one out."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from train_helpers import (  # noqa: E402
    in_process_extra,
    make_pairs,
    train_in_process,
    validation,
    write_config,
)


def test_best_checkpoint_stays_out_of_the_rotation(tmp_path):
    data = make_pairs(tmp_path / "data")
    extra = validation(data, interval=3) + (
        "train_cfg.update(max_iters=4)\n"
        "default_hooks.update(checkpoint=dict(interval=2, max_keep_ckpts=2, "
        "save_best='PSNR_Y', rule='greater'))\n"
        "custom_hooks = []\n"
    )
    cfg = write_config(tmp_path / "rotation.py", data, extra + in_process_extra("rotation"))
    work = tmp_path / "work"
    train_in_process(cfg, work)
    names = sorted(p.name for p in work.glob("*.pth"))
    best = [n for n in names if n.startswith("best_PSNR_Y_iter_")]
    assert len(best) == 1 and best[0] in ("best_PSNR_Y_iter_3.pth", "best_PSNR_Y_iter_4.pth")
    assert [n for n in names if n not in best] == ["iter_2.pth", "iter_4.pth"], names
    assert (work / "last_checkpoint").read_text().strip().endswith("iter_4.pth")
