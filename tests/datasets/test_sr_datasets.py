"""Datasets: pairing, meta-info, errors, skip_bad_images, GT-only, and the LMDB round trip."""

import logging

import cv2
import numpy as np
import pytest
import torch

from srzoo.datasets import DataCheckError, GTOnlyDataset, PairedImageDataset, sr_datasets
from srzoo.datasets.imresize import imresize
from srzoo.datasets.lmdb_writer import write_lmdb
from srzoo.registry import DATASETS

PIPELINE = [
    dict(type="LoadImageFromFile", key="gt"),
    dict(type="LoadImageFromFile", key="lq"),
    dict(type="PackSRInputs"),
]


def make_pairs(root, names=("a", "b", "c"), tmpl="{}", scale=2, size=16):
    """Write GT/<name>.png and LQ/<tmpl(name)>.png (bicubic) under ``root``."""
    rng = np.random.default_rng(1)
    (root / "GT").mkdir(parents=True, exist_ok=True)
    (root / "LQ").mkdir(parents=True, exist_ok=True)
    for name in names:
        gt = rng.integers(0, 256, (size, size + 4, 3), dtype=np.uint8)
        cv2.imwrite(str(root / "GT" / f"{name}.png"), gt)
        cv2.imwrite(str(root / "LQ" / f"{tmpl.format(name)}.png"), imresize(gt, 1 / scale))
    return root


def test_pairs_by_template_and_loads(tmp_path):
    make_pairs(tmp_path, tmpl="{}x2")
    ds = PairedImageDataset(
        data_root=str(tmp_path), gt_folder="GT", lq_folder="LQ", scale=2,
        filename_tmpl="{}x2", pipeline=PIPELINE,
    )  # fmt: skip
    assert len(ds) == 3
    info = ds.get_data_info(1)
    assert info["gt_path"].endswith("GT/b.png") and info["lq_path"].endswith("LQ/bx2.png")
    assert info["scale"] == 2
    item = ds[0]
    assert item["inputs"].shape == (3, 8, 10) and item["data_samples"].gt_img.shape == (3, 16, 20)
    assert item["data_samples"].img_name == "a"


def test_meta_info_file_selects_and_orders(tmp_path):
    make_pairs(tmp_path)
    (tmp_path / "meta.txt").write_text("c.png (16,20,3)\n\na.png (16,20,3)\n")
    ds = PairedImageDataset(
        data_root=str(tmp_path), gt_folder="GT", lq_folder="LQ", scale=2,
        meta_info_file="meta.txt",
    )  # fmt: skip
    assert [d["gt_path"][-5:] for d in (ds.get_data_info(0), ds.get_data_info(1))] == [
        "c.png",
        "a.png",
    ]


def test_missing_folder_points_to_readme(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        PairedImageDataset(data_root=str(tmp_path), gt_folder="GT", lq_folder="LQ", scale=4)
    assert str(tmp_path / "LQ") in str(err.value)
    assert "see README section 'Training on a real data set'" in str(err.value)


def test_missing_partner_names_gt_and_lq_paths(tmp_path):
    make_pairs(tmp_path)
    (tmp_path / "LQ" / "b.png").unlink()
    with pytest.raises(FileNotFoundError) as err:
        PairedImageDataset(data_root=str(tmp_path), gt_folder="GT", lq_folder="LQ", scale=2)
    assert str(tmp_path / "GT" / "b.png") in str(err.value)
    assert str(tmp_path / "LQ" / "b.png") in str(err.value)


def test_empty_folder_is_an_error(tmp_path):
    (tmp_path / "GT").mkdir()
    (tmp_path / "LQ").mkdir()
    with pytest.raises(ValueError, match="holds no image files"):
        PairedImageDataset(data_root=str(tmp_path), gt_folder="GT", lq_folder="LQ", scale=2)


def test_bad_scale_and_backend(tmp_path):
    make_pairs(tmp_path)
    with pytest.raises(ValueError, match="scale"):
        GTOnlyDataset(data_root=str(tmp_path), gt_folder="GT", scale=0)
    with pytest.raises(ValueError, match=".lmdb"):
        GTOnlyDataset(data_root=str(tmp_path), gt_folder="GT", scale=2, backend="lmdb")


def test_skip_bad_images_reports_and_drops(tmp_path, monkeypatch):
    make_pairs(tmp_path, names=("a", "b", "c", "d"))
    (tmp_path / "GT" / "b.png").write_bytes(b"")
    good = (tmp_path / "LQ" / "c.png").read_bytes()
    (tmp_path / "LQ" / "c.png").write_bytes(good[: len(good) // 2])
    logged = []
    monkeypatch.setattr(sr_datasets, "print_log", lambda msg, **kw: logged.append((msg, kw)))
    ds = PairedImageDataset(
        data_root=str(tmp_path), gt_folder="GT", lq_folder="LQ", scale=2, skip_bad_images=True
    )
    assert len(ds) == 2
    bad = dict(ds.skipped_images)
    assert set(bad) == {str(tmp_path / "GT" / "b.png"), str(tmp_path / "LQ" / "c.png")}
    assert "empty" in bad[str(tmp_path / "GT" / "b.png")]
    assert "truncated" in bad[str(tmp_path / "LQ" / "c.png")]
    ((report, kwargs),) = logged
    assert kwargs["level"] == logging.WARNING
    assert "skipped 2 of 4" in report and "b.png" in report and "c.png" in report
    with pytest.raises(DataCheckError, match="(?s)b.png: the file is empty.*c.png: the PNG is"):
        PairedImageDataset(data_root=str(tmp_path), gt_folder="GT", lq_folder="LQ", scale=2)
    unchecked = PairedImageDataset(
        data_root=str(tmp_path), gt_folder="GT", lq_folder="LQ", scale=2, pipeline=PIPELINE,
        check_images=False,
    )  # fmt: skip
    with pytest.raises(OSError, match="b.png.*empty"):
        unchecked[1]


def test_gt_only_dataset_degrades_on_the_fly(tmp_path):
    make_pairs(tmp_path)
    pipeline = [
        dict(type="LoadImageFromFile", key="gt"),
        dict(type="RandomCropGT", gt_patch_size=8),
        dict(type="BicubicDegrade"),
        dict(type="PackSRInputs"),
    ]
    ds = DATASETS.build(
        dict(type="GTOnlyDataset", data_root=str(tmp_path), gt_folder="GT", scale=2,
             pipeline=pipeline)
    )  # fmt: skip
    item = ds[2]
    assert item["inputs"].shape == (3, 4, 4) and item["data_samples"].gt_img.shape == (3, 8, 8)
    assert item["data_samples"].img_name == "c"


def test_lazy_init_defers_listing(tmp_path):
    ds = GTOnlyDataset(data_root=str(tmp_path), gt_folder="later", scale=2, lazy_init=True)
    make_pairs(tmp_path)
    (tmp_path / "GT").rename(tmp_path / "later")
    ds.full_init()
    assert len(ds) == 3


def test_lmdb_round_trip(tmp_path):
    make_pairs(tmp_path, tmpl="{}x2")
    keys = write_lmdb(str(tmp_path / "GT"), str(tmp_path / "GT.lmdb"))
    write_lmdb(str(tmp_path / "LQ"), str(tmp_path / "LQ.lmdb"))
    assert keys == ["a", "b", "c"]
    meta = (tmp_path / "GT.lmdb" / "meta_info.txt").read_text().splitlines()
    assert meta[0] == "a.png (16,20,3) 1"
    disk = PairedImageDataset(
        data_root=str(tmp_path), gt_folder="GT", lq_folder="LQ", scale=2,
        filename_tmpl="{}x2", pipeline=PIPELINE, test_mode=True,
    )  # fmt: skip
    db = PairedImageDataset(
        data_root=str(tmp_path), gt_folder="GT.lmdb", lq_folder="LQ.lmdb", scale=2,
        filename_tmpl="{}x2", pipeline=PIPELINE, test_mode=True, backend="lmdb",
    )  # fmt: skip
    assert len(db) == 3
    for i in range(3):
        a, b = disk[i], db[i]
        assert torch.equal(a["inputs"], b["inputs"])
        assert torch.equal(a["data_samples"].gt_img, b["data_samples"].gt_img)
        assert b["data_samples"].img_name == a["data_samples"].img_name
    with pytest.raises(FileExistsError):
        write_lmdb(str(tmp_path / "GT"), str(tmp_path / "GT.lmdb"))
