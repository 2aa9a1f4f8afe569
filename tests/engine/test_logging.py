"""Validation metrics are logged at their iteration (not all at step 0), also to TensorBoard."""

import json
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from train_helpers import (  # noqa: E402
    in_process_extra,
    make_pairs,
    train_in_process,
    validation,
    write_config,
)


def run(tmp_path: Path, name: str, *options: str) -> Path:
    data = make_pairs(tmp_path / "data")
    extra = validation(data, interval=2) + "train_cfg.update(max_iters=4)\n"
    cfg = write_config(tmp_path / f"{name}.py", data, extra + in_process_extra(name))
    work = tmp_path / "work"
    train_in_process(cfg, work, *options)
    return work


def val_steps(work: Path) -> list:
    (scalars,) = work.glob("*/vis_data/scalars.json")
    rows = [json.loads(line) for line in scalars.read_text().splitlines()]
    return [row["step"] for row in rows if "PSNR_Y" in row]


def test_validation_logged_at_its_iteration(tmp_path):
    work = run(tmp_path, "val_steps")
    assert val_steps(work) == [2, 4]


def test_tensorboard_switch_writes_events_at_the_right_steps(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    work = run(tmp_path, "tb_steps", "--tensorboard")
    (events,) = work.glob("*/vis_data/events.out.tfevents.*")
    acc = EventAccumulator(str(events))
    acc.Reload()
    assert [e.step for e in acc.Scalars("PSNR_Y")] == [2, 4]
    assert [e.step for e in acc.Scalars("loss_pix")] == [1, 2, 3, 4]


def test_missing_tensorboard_is_one_clear_line(monkeypatch):
    import builtins

    from srzoo.engine.launch import add_tensorboard
    from srzoo.errors import MissingDependencyError

    real_import = builtins.__import__

    def no_tensorboard(name, *args, **kwargs):
        if name == "tensorboard":
            raise ImportError("No module named 'tensorboard'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tensorboard)
    with pytest.raises(MissingDependencyError, match=r'pip install "srzoo\[tensorboard\]"'):
        add_tensorboard({})
