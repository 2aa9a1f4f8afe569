"""A work dir moved or copied elsewhere: ``pretrained=dict(path=<work dir>)`` and
auto-resume find its own checkpoint, not the absolute path ``last_checkpoint`` recorded."""

import shutil

import pytest
import torch
from torch import nn

from srzoo.checkpoint import load_weights, resolve_checkpoint, save_checkpoint_atomic
from srzoo.engine.resume import latest_valid_checkpoint


def work_dir(folder, value, name="iter_3.pth"):
    """A work dir whose ``last_checkpoint`` holds the absolute path of ``name``."""
    folder.mkdir(parents=True)
    state = {"generator.weight": torch.full((1, 1), value), "generator.bias": torch.zeros(1)}
    save_checkpoint_atomic(dict(meta=dict(iter=3), state_dict=state), folder / name)
    (folder / "last_checkpoint").write_text(str((folder / name).resolve()))
    return folder


def test_moved_work_dir_resolves_its_own_checkpoint(tmp_path):
    old = work_dir(tmp_path / "machine_a" / "run", 2.0)
    new = tmp_path / "machine_b" / "run"
    shutil.move(str(old), str(new))
    assert resolve_checkpoint(new) == str(new / "iter_3.pth")
    generator = nn.Linear(1, 1)
    load_weights(generator, new)  # what pretrained=dict(path=<work dir>) does
    assert generator.weight.item() == 2.0


def test_copied_work_dir_prefers_its_own_file_over_the_old_place(tmp_path):
    work_dir(tmp_path / "a", 1.0)
    copy = work_dir(tmp_path / "b", 5.0)
    (copy / "last_checkpoint").write_text(str((tmp_path / "a" / "iter_3.pth").resolve()))
    assert resolve_checkpoint(copy) == str(copy / "iter_3.pth")
    assert latest_valid_checkpoint(copy) == copy / "iter_3.pth"


def test_moved_pointer_to_a_non_iter_name_still_resumes(tmp_path):
    old = work_dir(tmp_path / "a", 1.0, name="latest.pth")
    new = tmp_path / "b"
    shutil.move(str(old), str(new))
    assert latest_valid_checkpoint(new) == new / "latest.pth"


def test_recorded_path_still_used_when_the_work_dir_lacks_the_file(tmp_path):
    elsewhere = work_dir(tmp_path / "ckpts", 1.0)
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(elsewhere / "last_checkpoint", run / "last_checkpoint")
    assert resolve_checkpoint(run) == str((elsewhere / "iter_3.pth").resolve())


def test_pointer_to_a_file_found_nowhere_names_both_places(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "last_checkpoint").write_text("/gone/machine/run/iter_9.pth")
    with pytest.raises(FileNotFoundError, match=r"(?s)/gone/machine/run/iter_9.pth.*run/iter_9"):
        resolve_checkpoint(run)
