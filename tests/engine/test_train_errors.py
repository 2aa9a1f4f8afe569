"""Errors through the training entry point (tools/train.py), raised before any weight is
touched: bad images (one test per case), missing folders, misspelled config keys and
types, and the stop after repeated non-finite losses."""

import uuid

import cv2
import numpy as np
import pytest
from train_helpers import (
    in_process_extra,
    make_pairs,
    network_weights,
    train_in_process,
    write_config,
)

from srzoo.datasets import DataCheckError
from srzoo.models.restorers.nonfinite import NonFiniteLossError
from srzoo.utils.registry_hint import ConfigKeyError


def setup_run(tmp_path, extra: str = ""):
    data = make_pairs(tmp_path / "data")
    config = write_config(tmp_path / "cfg.py", data, in_process_extra(uuid.uuid4().hex) + extra)
    return data, config, tmp_path / "work"


def no_weights_written(work) -> bool:
    return not list(work.rglob("*.pth"))


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _garbage(path):
    path.write_bytes(np.random.default_rng(0).bytes(300))


def _empty(path):
    path.write_bytes(b"")


def _jpeg_named_png(path):
    path.write_bytes(cv2.imencode(".jpg", cv2.imread(str(path)))[1].tobytes())


BAD_FILES = {
    "truncated": ("GT", _truncate, "the PNG is truncated"),
    "corrupt": ("GT", _garbage, "not a recognised image format"),
    "empty": ("LRx4", _empty, "the file is empty"),
    "wrong_extension": ("GT", _jpeg_named_png, "named '.png' but holds JPEG data"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_image_file_fails_before_training(tmp_path, case):
    data, config, work = setup_run(tmp_path)
    folder, spoil, problem = BAD_FILES[case]
    bad = data / folder / "2.png"
    spoil(bad)
    with pytest.raises(DataCheckError) as err:
        train_in_process(config, work)
    (line,) = [line for line in str(err.value).splitlines() if str(bad) in line]
    assert problem in line
    assert "skip_bad_images=True" in str(err.value)
    assert no_weights_written(work)


def test_lq_gt_size_mismatch_fails_before_training(tmp_path):
    data, config, work = setup_run(tmp_path)
    cv2.imwrite(str(data / "LRx4" / "2.png"), np.zeros((10, 12, 3), np.uint8))
    with pytest.raises(DataCheckError) as err:
        train_in_process(config, work)
    message = str(err.value)
    assert f"{data / 'GT' / '2.png'}: LQ/GT sizes do not match the scale" in message
    assert "GT is 48x48 but LQ" in message and "is 10x12" in message
    assert no_weights_written(work)


def test_image_smaller_than_the_crop_fails_before_training(tmp_path):
    data, config, work = setup_run(tmp_path)
    cv2.imwrite(str(data / "GT" / "2.png"), np.zeros((24, 24, 3), np.uint8))
    cv2.imwrite(str(data / "LRx4" / "2.png"), np.zeros((6, 6, 3), np.uint8))
    with pytest.raises(DataCheckError) as err:
        train_in_process(config, work)
    assert f"{data / 'LRx4' / '2.png'}: the image (6x6) is smaller than the training crop 8x8" in (
        str(err.value)
    )
    assert no_weights_written(work)


def test_bad_image_in_the_validation_set_fails_before_training(tmp_path):
    val = make_pairs(tmp_path / "val", count=2)
    _truncate(val / "GT" / "1.png")
    extra = f"""
val_dataloader = dict(
    batch_size=1, num_workers=0, sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="pseudo_collate"),
    dataset=dict(type="PairedImageDataset", data_root="{val}", gt_folder="GT", lq_folder="LRx4",
                 scale=4, test_mode=True, pipeline=[dict(type="LoadImageFromFile", key="gt"),
                 dict(type="LoadImageFromFile", key="lq"), dict(type="PackSRInputs")]))
val_cfg = dict(type="ValLoop")
val_evaluator = dict(type="SRMetrics", crop_border=4)
"""
    data, config, work = setup_run(tmp_path, extra)
    with pytest.raises(DataCheckError, match="1.png: the PNG is truncated"):
        train_in_process(config, work)
    assert no_weights_written(work)


def test_skip_bad_images_trains_without_them_and_reports(tmp_path):
    extra = "train_dataloader['dataset'].update(skip_bad_images=True)\n"
    extra += "train_cfg.update(max_iters=1)\n"
    data, config, work = setup_run(tmp_path, extra)
    _truncate(data / "GT" / "2.png")
    train_in_process(config, work)
    assert (work / "iter_1.pth").is_file()
    (log,) = work.glob("*/*.log")
    report = log.read_text()
    assert "skipped 1 of 6 samples with bad images" in report
    assert f"{data / 'GT' / '2.png'}: the PNG is truncated" in report


def test_missing_data_folder_names_path_and_readme_section(tmp_path):
    data, config, work = setup_run(tmp_path)
    (data / "LRx4").rename(data / "LR")
    with pytest.raises(FileNotFoundError) as err:
        train_in_process(config, work)
    assert str(data / "LRx4") in str(err.value)
    assert "README section 'Training on a real data set'" in str(err.value)
    assert no_weights_written(work)


def test_misspelled_config_key_names_the_key_and_valid_names(tmp_path):
    data, config, work = setup_run(tmp_path)
    with pytest.raises(ConfigKeyError) as err:
        train_in_process(config, work, "--cfg-options", "model.generator.num_blcoks=2")
    message = str(err.value)
    assert "'model.generator.num_blcoks'" in message and "Did you mean: num_blocks?" in message
    assert "RRDBNet takes: in_channels, out_channels, mid_channels, num_blocks" in message
    assert not work.exists()  # nothing was built


def test_misspelled_restorer_type_names_the_closest_types(tmp_path):
    data, config, work = setup_run(tmp_path)
    hint = "model.type: 'ESRGN' is not registered.*Did you mean: ESRGAN"
    with pytest.raises(KeyError, match=hint):
        train_in_process(config, work, "--cfg-options", "model.type=ESRGN")
    assert not work.exists()


def test_repeated_nan_loss_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    extra = """
model.update(nonfinite_patience=3, pixel_loss=dict(type="NaNFromLoss", nan_from=2))
train_cfg.update(max_iters=10)
default_hooks["checkpoint"].update(interval=2)
"""
    data, config, work = setup_run(tmp_path, extra)
    with pytest.raises(NonFiniteLossError) as err:
        train_in_process(config, work)
    message = str(err.value)
    assert "generator loss was NaN or Inf for 3 consecutive iterations" in message
    assert f"Stopped at iteration 5; the last good checkpoint is {work / 'iter_4.pth'}" in message
    assert sorted(p.name for p in work.glob("iter_*.pth")) == ["iter_2.pth", "iter_4.pth"]
    good, last = network_weights(work / "iter_2.pth"), network_weights(work / "iter_4.pth")
    generator = [k for k in good if k.startswith("generator.")]
    assert all(good[k].equal(last[k]) for k in generator)  # G updates 3 and 4 were skipped
    assert all(last[k].isfinite().all() for k in last if last[k].is_floating_point())
