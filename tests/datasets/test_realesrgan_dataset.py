"""GT-only data for Real-ESRGAN: the per-sample seed reaches the pipeline; crop-or-pad to 400."""

import cv2
import numpy as np
import pytest
import torch

import srzoo.datasets  # noqa: F401
from srzoo.datasets import GTOnlyDataset
from srzoo.datasets.degradations import RandomCropPadGT
from srzoo.datasets.samplers import SeededIndex

PIPELINE = [
    dict(type="LoadImageFromFile", key="gt"),
    dict(type="PairedFlipRot", hflip=True, vflip=False, rot90=False, keys=("gt",)),
    dict(type="RandomCropPadGT", size=64),
    dict(type="RealESRGANKernels"),
    dict(type="PackRealESRGANInputs"),
]


@pytest.fixture()
def dataset(tmp_path) -> GTOnlyDataset:
    (tmp_path / "GT").mkdir()
    rng = np.random.default_rng(0)
    cv2.imwrite(str(tmp_path / "GT" / "a.png"), rng.integers(0, 256, (50, 90, 3), np.uint8))
    return GTOnlyDataset(data_root=str(tmp_path), gt_folder="GT", scale=4, pipeline=PIPELINE)


def test_sample_seed_reaches_the_pipeline_and_fixes_the_sample(dataset):
    a, b = dataset[SeededIndex(0, 1234)], dataset[SeededIndex(0, 1234)]
    c = dataset[SeededIndex(0, 99)]
    assert a["data_samples"].sample_seed == 1234 and a["inputs"].shape == (3, 64, 64)
    assert torch.equal(a["inputs"], b["inputs"])
    for key in ("kernel1", "kernel2", "sinc_kernel"):
        assert torch.equal(a["data_samples"].get(key), b["data_samples"].get(key))
    assert not torch.equal(a["data_samples"].kernel1, c["data_samples"].kernel1)


def test_an_index_without_seed_is_refused_by_name(dataset):
    with pytest.raises(KeyError, match="sample_seed.*ResumableInfiniteSampler"):
        dataset.prepare_data(0)


def test_crop_pad_pads_small_sides_reflect_101_and_crops_large_ones():
    rng = np.random.default_rng(1)
    small = rng.integers(0, 256, (5, 9, 3), np.uint8)
    out = RandomCropPadGT(size=8)(dict(gt=small))["gt"]
    padded = cv2.copyMakeBorder(small, 0, 3, 0, 0, cv2.BORDER_REFLECT_101)  # 8 x 9
    assert out.shape == (8, 8, 3)
    assert any(np.array_equal(out, padded[:, x : x + 8]) for x in (0, 1))
    assert np.array_equal(out[5], out[3]) and np.array_equal(out[7], out[1])  # reflect 101
    big = rng.integers(0, 256, (20, 30), np.uint8)
    crops = {RandomCropPadGT(size=8)(dict(gt=big))["gt"].tobytes() for _ in range(20)}
    assert len(crops) > 1
    windows = {big[y : y + 8, x : x + 8].tobytes() for y in range(13) for x in range(23)}
    assert crops <= windows
    grey = RandomCropPadGT(size=8)(dict(gt=small[..., :1]))["gt"]
    assert grey.shape == (8, 8, 1)
    with pytest.raises(ValueError, match="positive int"):
        RandomCropPadGT(size=0)
