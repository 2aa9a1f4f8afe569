"""Auto-resume picks the newest checkpoint that loads; RNG states round-trip safely;
``last_checkpoint`` is written atomically."""

import random

import numpy as np
import torch

from srzoo.checkpoint import load_checkpoint_file, save_checkpoint_atomic, write_text_atomic
from srzoo.engine import resume
from srzoo.engine.resume import capture_rng, latest_valid_checkpoint, preserved_rng, restore_rng


def training_checkpoint(path, iteration):
    save_checkpoint_atomic(
        dict(meta=dict(iter=iteration), state_dict=dict(w=torch.full((2,), float(iteration)))),
        path,
    )
    return path


def test_newest_unreadable_checkpoint_is_skipped_with_a_warning(tmp_path, monkeypatch):
    logged = []
    monkeypatch.setattr(resume, "print_log", lambda msg, **kw: logged.append(msg))
    training_checkpoint(tmp_path / "iter_10.pth", 10)
    training_checkpoint(tmp_path / "iter_20.pth", 20)
    newest = training_checkpoint(tmp_path / "iter_30.pth", 30)
    newest.write_bytes(newest.read_bytes()[:100])  # truncated, e.g. by a full disk
    (tmp_path / "iter_40.pth").write_bytes(b"")  # empty
    write_text_atomic(str(newest), tmp_path / "last_checkpoint")
    assert latest_valid_checkpoint(tmp_path) == tmp_path / "iter_20.pth"
    assert len(logged) == 2
    assert "iter_40.pth" in logged[0] and "iter_30.pth" in logged[1]
    assert "trying the previous checkpoint" in logged[1]


def test_newest_valid_wins_over_a_stale_pointer_and_foreign_files(tmp_path):
    training_checkpoint(tmp_path / "iter_5.pth", 5)
    training_checkpoint(tmp_path / "iter_6.pth", 6)
    torch.save(dict(w=torch.zeros(1)), tmp_path / "epoch_9.pth")  # not a training checkpoint
    training_checkpoint(tmp_path / "best_PSNR_iter_7.pth", 7)  # not a resume candidate
    write_text_atomic(str(tmp_path / "iter_5.pth"), tmp_path / "last_checkpoint")
    assert latest_valid_checkpoint(tmp_path) == tmp_path / "iter_6.pth"
    assert latest_valid_checkpoint(tmp_path / "missing") is None


def test_rng_states_round_trip_through_a_weights_only_checkpoint(tmp_path):
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    state = capture_rng()
    expected = (random.random(), np.random.rand(), torch.rand(1))
    save_checkpoint_atomic(dict(rng=state), tmp_path / "rng.pth")
    random.seed(2), np.random.seed(2), torch.manual_seed(2)
    restore_rng(load_checkpoint_file(tmp_path / "rng.pth")["rng"])
    assert (random.random(), np.random.rand(), torch.rand(1)) == expected


def test_preserved_rng_hides_the_draws_of_the_block():
    torch.manual_seed(3), np.random.seed(3)
    expected = torch.rand(3), np.random.rand(3)
    torch.manual_seed(3), np.random.seed(3)
    with preserved_rng():  # e.g. a validation run in the middle of training
        torch.rand(100), np.random.rand(100), random.random()
    assert torch.equal(torch.rand(3), expected[0]) and (np.random.rand(3) == expected[1]).all()


def test_write_text_atomic_replaces_whole_file(tmp_path):
    target = tmp_path / "last_checkpoint"
    write_text_atomic("a" * 100, target)
    write_text_atomic("b", target)
    assert target.read_text() == "b"
    assert [p.name for p in tmp_path.iterdir()] == ["last_checkpoint"]
