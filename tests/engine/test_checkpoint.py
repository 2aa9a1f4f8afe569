"""Checkpoint I/O: safe loading (weights_only + allow-list), atomic saving, validation."""

import os
import pickle
import random
import stat
from collections import OrderedDict

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.optim.scheduler import MultiStepLR

from srzoo.checkpoint import (
    CorruptCheckpointError,
    UnsafeCheckpointError,
    load_checkpoint_file,
    save_checkpoint_atomic,
    validate_checkpoint,
)
from srzoo.checkpoint import io as ckpt_io


class RunsCommand:
    """A pickle payload that would run a shell command when unpickled."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def runner_checkpoint():
    """What an mmengine Runner checkpoint of srzoo holds, RNG states included."""
    hub = MessageHub.get_instance("srzoo_checkpoint_test")
    hub.update_scalar("train/loss_pix", 0.5)
    hub.update_scalar("train/loss_pix", np.float32(0.25))
    hub.update_info("iter", 7)
    model = torch.nn.Linear(2, 2)
    optim = torch.optim.Adam(model.parameters(), lr=1e-4)
    model(torch.rand(1, 2)).sum().backward()
    optim.step()
    sched = MultiStepLR(optim, milestones=[2, 4], gamma=0.5)
    meta = dict(seed=0, iter=7, epoch=np.int64(0), cfg="model = dict(type='ESRGAN')")
    meta["rng"] = dict(
        python=random.getstate(),
        numpy=np.random.get_state(),
        numpy_generator=np.random.default_rng(3).bit_generator.state,
        torch=torch.get_rng_state(),
    )
    state_dict = OrderedDict(("generator." + k, v) for k, v in model.state_dict().items())
    return dict(
        meta=meta,
        state_dict=state_dict,
        message_hub=hub.state_dict(),
        optimizer=optim.state_dict(),
        param_schedulers=[sched.state_dict()],
        step_counter=torch.tensor(7),
    )


def test_mmengine_runner_checkpoint_loads_with_weights_only(tmp_path):
    path = tmp_path / "iter_7.pth"
    original = runner_checkpoint()
    torch.save(original, path)
    with pytest.raises(pickle.UnpicklingError):  # plain weights_only refuses it
        torch.load(path, weights_only=True)
    loaded = load_checkpoint_file(path)
    buffer = loaded["message_hub"]["log_scalars"]["train/loss_pix"]
    assert isinstance(buffer, HistoryBuffer) and buffer.current() == 0.25 and buffer.mean() == 0.375
    assert loaded["param_schedulers"][0]["milestones"] == {2: 1, 4: 1}
    np.random.set_state(loaded["meta"]["rng"]["numpy"])
    expected = np.random.rand(3)
    np.random.set_state(original["meta"]["rng"]["numpy"])
    np.testing.assert_array_equal(np.random.rand(3), expected)
    random.setstate(loaded["meta"]["rng"]["python"])
    torch.set_rng_state(loaded["meta"]["rng"]["torch"])
    assert loaded["meta"]["rng"]["numpy_generator"] == original["meta"]["rng"]["numpy_generator"]
    assert torch.equal(
        loaded["state_dict"]["generator.weight"], original["state_dict"]["generator.weight"]
    )
    assert validate_checkpoint(path)


@pytest.mark.parametrize("writer", ["torch", "pickle"])
def test_malicious_pickle_is_refused_and_nothing_runs(tmp_path, writer):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    payload = {"state_dict": {"w": torch.zeros(1)}, "x": RunsCommand(marker)}
    if writer == "torch":
        torch.save(payload, path)
    else:
        path.write_bytes(pickle.dumps(payload, protocol=4))
    with pytest.raises(UnsafeCheckpointError, match=r"evil\.pth.*system"):
        load_checkpoint_file(path)
    assert not marker.exists()
    assert not validate_checkpoint(path)


def test_allow_listed_getattr_serves_only_history_buffer_methods():
    assert ckpt_io._history_buffer_getattr(HistoryBuffer, "mean") is HistoryBuffer.mean
    for obj, name in [(HistoryBuffer, "__init__"), (os, "system"), (HistoryBuffer, "__class__")]:
        with pytest.raises(pickle.UnpicklingError, match="refused"):
            ckpt_io._history_buffer_getattr(obj, name)


def test_missing_truncated_and_garbage_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.pth"):
        load_checkpoint_file(tmp_path / "nothere.pth")
    good = tmp_path / "good.pth"
    torch.save({"w": torch.rand(64, 64)}, good)
    data = good.read_bytes()
    cases = {
        "truncated.pth": data[: len(data) // 2],
        "empty.pth": b"",
        "garbage.pth": bytes(range(256)) * 2,
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(CorruptCheckpointError, match=name):
            load_checkpoint_file(tmp_path / name)
        assert not validate_checkpoint(tmp_path / name)


def test_safetensors_round_trip_metadata_and_corruption(tmp_path):
    tensors = {"conv.weight": torch.rand(2, 3), "__metadata__": {"arch": "RRDBNet"}}
    path = tmp_path / "g.safetensors"
    save_checkpoint_atomic(tensors, path)
    loaded = load_checkpoint_file(path)
    assert torch.equal(loaded["conv.weight"], tensors["conv.weight"])
    assert loaded["__metadata__"] == {"arch": "RRDBNet"}
    sniffed = tmp_path / "renamed.pth"  # safetensors content under another suffix
    sniffed.write_bytes(path.read_bytes())
    assert torch.equal(load_checkpoint_file(sniffed)["conv.weight"], tensors["conv.weight"])
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(CorruptCheckpointError, match="broken.safetensors"):
        load_checkpoint_file(broken)


def test_atomic_save_replaces_and_leaves_no_temp(tmp_path):
    path = tmp_path / "sub" / "latest.pth"
    save_checkpoint_atomic({"iter": 1}, path)
    save_checkpoint_atomic({"iter": 2}, path)
    assert load_checkpoint_file(path) == {"iter": 2}
    assert os.listdir(path.parent) == ["latest.pth"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_atomic_save_crash_midway_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "latest.pth"
    save_checkpoint_atomic({"iter": 1, "w": torch.rand(32)}, path)
    before = path.read_bytes()

    def crashing_save(obj, f, *args, **kwargs):
        f.write(b"PK\x03\x04 half a checkpoint")
        raise KeyboardInterrupt("killed during save")

    monkeypatch.setattr(torch, "save", crashing_save)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint_atomic({"iter": 2}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["latest.pth"]
    monkeypatch.undo()
    assert load_checkpoint_file(path)["iter"] == 1


def test_atomic_save_crash_before_rename_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "latest.pth"
    save_checkpoint_atomic({"iter": 1}, path)

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(ckpt_io.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint_atomic({"iter": 2}, path)
    monkeypatch.undo()
    assert load_checkpoint_file(path) == {"iter": 1}
    assert os.listdir(tmp_path) == ["latest.pth"]


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "a PNG image"),
        (b"\xff\xd8\xff\xe0" + bytes(64), "a JPEG image"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 " + bytes(64), "a WebP image"),
        (b"_base_ = ['../_base_/default_runtime.py']\nmodel = dict()\n", "a text file"),
    ],
)
def test_a_file_that_is_no_checkpoint_is_named_for_what_it_is(tmp_path, content, kind):
    path = tmp_path / "model.pth"
    path.write_bytes(content)
    with pytest.raises(CorruptCheckpointError, match=f"not a checkpoint, it is {kind}"):
        load_checkpoint_file(path)


def test_zip_and_pickle_checkpoints_still_reach_torch_load(tmp_path):
    for legacy in (False, True):
        path = tmp_path / f"ok{legacy}.pth"
        torch.save({"w": torch.ones(2)}, path, _use_new_zipfile_serialization=not legacy)
        assert torch.equal(load_checkpoint_file(path)["w"], torch.ones(2))
    (tmp_path / "cut.pth").write_bytes((tmp_path / "okFalse.pth").read_bytes()[:50])
    with pytest.raises(CorruptCheckpointError, match="corrupt or truncated"):
        load_checkpoint_file(tmp_path / "cut.pth")
