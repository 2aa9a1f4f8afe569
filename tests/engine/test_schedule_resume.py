"""Resume with a changed parameter schedule: the config's schedule wins at the restored
iteration (with a warning naming both); an unchanged schedule resumes bit-identically."""

import json
import uuid

import pytest
from train_helpers import (
    assert_same_training,
    in_process_extra,
    make_pairs,
    network_weights,
    train_in_process,
    write_config,
)

BASE_LR = 1e-4  # the demo ESRGAN's Adam lr, generator and discriminator


def schedule(milestones, max_iters, more=""):
    return (
        f"train_cfg.update(max_iters={max_iters})\n"
        f"param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones={milestones},"
        " gamma=0.1)]\n"
        "custom_imports = dict(imports=['reliability_plugins', 'schedule_plugins'],"
        " allow_failed_imports=False)\n" + more
    )


def train(root, name, work, extra, *options):
    """One in-process ``srzoo train``; return {iteration: generator lr} it trained with."""
    record = root / f"{name}.jsonl"
    more = f"custom_hooks.append(dict(type='LRRecordHook', path='{record}'))\n"
    config = write_config(root / f"{name}.py", root / "data", in_process_extra(name) + extra + more)
    train_in_process(config, work, *options)
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    return {r["iter"]: r["lr"]["generator.lr"] for r in lines}


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("schedule")
    make_pairs(root / "data")
    return root


@pytest.fixture(scope="module")
def straight(root):
    """6 iterations straight through, MultiStepLR(milestones=[4]): lr drops at iteration 5."""
    lrs = train(root, f"straight_{uuid.uuid4().hex}", root / "A", schedule([4], 6))
    return lrs, network_weights(root / "A" / "iter_6.pth")


def schedule_warnings(work):
    """The schedule warnings in the work dir's logs."""
    lines = [line for log in work.rglob("*.log") for line in log.read_text().splitlines()]
    return [line for line in lines if "WARNING" in line and "param_scheduler" in line]


def test_longer_run_reaches_its_milestone_after_resume(root, straight):
    lrs_a, _ = straight
    assert lrs_a[4] == pytest.approx(BASE_LR) and lrs_a[5] == pytest.approx(BASE_LR * 0.1)
    work = root / "B"
    first = train(root, f"short_{uuid.uuid4().hex}", work, schedule([4], 3))
    assert sorted(first) == [1, 2, 3]
    resumed = train(root, f"long_{uuid.uuid4().hex}", work, schedule([4], 6), "--resume", "auto")
    assert sorted(resumed) == [4, 5, 6]
    assert resumed[5] == pytest.approx(BASE_LR * 0.1)  # was 1e-4: the milestone never fired
    assert all(resumed[i] == lrs_a[i] for i in (4, 5, 6))
    (warning,) = schedule_warnings(work)
    assert "end=3" in warning and "end=6" in warning


def test_unchanged_schedule_resumes_bit_identically(root, straight):
    lrs_a, final_a = straight
    work = root / "D"
    stop = "custom_hooks.append(dict(type='StopAfterHook', after=3))\n"
    train(root, f"stop3_{uuid.uuid4().hex}", work, schedule([4], 6, stop))
    assert not (work / "iter_6.pth").exists()
    resumed = train(root, f"rest_{uuid.uuid4().hex}", work, schedule([4], 6), "--resume", "auto")
    assert all(resumed[i] == lrs_a[i] for i in (4, 5, 6))
    assert not schedule_warnings(work)
    assert_same_training(final_a, network_weights(work / "iter_6.pth"))
