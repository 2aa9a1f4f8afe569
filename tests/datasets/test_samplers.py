"""ResumableInfiniteSampler: O(1) restore of the position, per-sample seeds, rank slicing."""

import itertools
import pickle

import numpy as np
import pytest

from srzoo.datasets import PairedImageDataset, ResumableInfiniteSampler
from srzoo.datasets.samplers import SeededIndex, sample_rng


def take(sampler, n):
    return list(itertools.islice(iter(sampler), n))


def test_restored_sampler_continues_the_stream_without_replaying_it():
    data = range(5)
    full = take(ResumableInfiniteSampler(data, seed=3), 17)
    first = ResumableInfiniteSampler(data, seed=3)
    assert take(first, 6) == full[:6]
    state = first.state_dict(consumed=6)
    resumed = ResumableInfiniteSampler(data, seed=99)  # the seed comes from the state
    resumed.load_state_dict(state)
    rest = take(resumed, 11)
    assert rest == full[6:]
    assert [i.sample_seed for i in rest] == [i.sample_seed for i in full[6:]]
    # every pass is a permutation; passes differ
    assert sorted(full[:5]) == list(range(5)) and full[:5] != full[5:10]
    assert take(ResumableInfiniteSampler(data, shuffle=False), 7) == [0, 1, 2, 3, 4, 0, 1]


def test_ranks_split_the_global_stream(monkeypatch):
    import srzoo.datasets.samplers as samplers

    stream = take(ResumableInfiniteSampler(range(4), seed=1), 12)
    for rank in (0, 1):
        monkeypatch.setattr(samplers, "get_dist_info", lambda r=rank: (r, 2))
        sampler = ResumableInfiniteSampler(range(4), seed=1)
        sampler.load_state_dict(dict(seed=1, position=4, size=4))  # 2 consumed per rank
        assert take(sampler, 4) == stream[4 + rank :: 2][:4]


def test_seeded_index_pickles_and_sample_rng_restores_the_global_state():
    index = SeededIndex(3, 1234)
    copy = pickle.loads(pickle.dumps(index))
    assert copy == 3 and copy.sample_seed == 1234 and isinstance(copy, SeededIndex)
    np.random.seed(0)
    before = np.random.get_state()[1].copy()
    with sample_rng(1234):
        a = np.random.rand()
    with sample_rng(1234):
        assert np.random.rand() == a
    assert (np.random.get_state()[1] == before).all()


def test_dataset_crops_depend_on_the_sample_seed_only(tmp_path):
    import cv2

    (tmp_path / "GT").mkdir()
    (tmp_path / "LQ").mkdir()
    img = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / "GT" / "a.png"), img)
    cv2.imwrite(str(tmp_path / "LQ" / "a.png"), img[::2, ::2])
    pipeline = [
        dict(type="LoadImageFromFile", key="gt"),
        dict(type="LoadImageFromFile", key="lq"),
        dict(type="PairedRandomCrop", gt_patch_size=8),
        dict(type="PackSRInputs"),
    ]
    ds = PairedImageDataset(
        data_root=str(tmp_path), gt_folder="GT", lq_folder="LQ", scale=2, pipeline=pipeline
    )
    crops = [ds[SeededIndex(0, seed)]["inputs"] for seed in (5, 5, 6)]
    np.random.seed(0)  # the global state does not matter
    assert crops[0].equal(ds[SeededIndex(0, 5)]["inputs"]) and crops[0].equal(crops[1])
    assert not crops[0].equal(crops[2])


def test_changed_data_set_size_warns(monkeypatch):
    import srzoo.datasets.samplers as samplers

    logged = []
    monkeypatch.setattr(samplers, "print_log", lambda msg, **kw: logged.append(msg))
    sampler = ResumableInfiniteSampler(range(3), seed=0)
    sampler.load_state_dict(dict(seed=0, position=7, size=5))
    assert sampler.start == 7
    assert "differ from an uninterrupted run" in logged[0]
    with pytest.raises(ValueError, match="non-empty"):
        ResumableInfiniteSampler([], seed=0)
