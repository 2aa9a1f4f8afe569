"""A config's scale settings are checked together, and --scale changes them in one step."""

from pathlib import Path

import pytest

from srzoo.engine.launch import load_config
from srzoo.errors import UsageError

ROOT = Path(__file__).resolve().parents[2]
DEMO_PSNR = str(ROOT / "configs/demo/rrdbnet-psnr_rrdbnet-s_1xb8-1000_demo_x4.py")
ESRGAN = str(ROOT / "configs/esrgan_x4.py")


def test_generator_factor_alone_names_every_key_that_disagrees():
    with pytest.raises(UsageError) as info:
        load_config(DEMO_PSNR, {"model.generator.upscale_factor": 2})
    text = str(info.value)
    assert text.startswith("scale settings disagree with model.generator.upscale_factor = 2")
    for key in (
        "train_dataloader.dataset.scale = 4",
        "val_dataloader.dataset.scale = 4",
        "test_datasets[0].dataset.scale = 4",
    ):
        assert key in text
    assert "--scale" in text


def test_crop_and_discriminator_sizes_are_checked():
    with pytest.raises(UsageError) as info:
        load_config(ESRGAN, {"model.discriminator.input_size": 256})
    assert "model.discriminator.input_size = 256" in str(info.value)
    with pytest.raises(UsageError, match=r"gt_patch_size = 126 \(not a multiple of 4\)"):
        patch = {"train_dataloader.dataset.pipeline.2.gt_patch_size": 126}
        load_config(ESRGAN, {**patch, "model.discriminator.input_size": 126})


def test_after_scale_option_the_error_names_what_it_leaves_alone():
    with pytest.raises(UsageError) as info:
        load_config(DEMO_PSNR, scale=3)
    text = str(info.value)
    assert "gt_patch_size = 64 (not a multiple of 3)" in text
    assert text.endswith("--scale does not change sizes in GT pixels: set them to multiples "
                         "of 3 with --cfg-options.")  # fmt: skip
    assert "pass --scale N" not in text  # the user just did


def test_scale_option_changes_every_setting():
    cfg = load_config(ESRGAN, scale=2)
    assert cfg.model.generator.upscale_factor == 2
    assert cfg.train_dataloader.dataset.scale == 2
    assert cfg.train_dataloader.dataset.lq_folder == "DIV2K_train_LR_bicubic/X2_sub"
    assert [d.dataset.scale for d in cfg.test_datasets] == [2] * 6
    assert cfg.test_datasets[0].dataset.lq_folder == "LR_bicubic/X2"
    assert cfg.test_datasets[5].dataset.filename_tmpl == "{}x2"
    demo = load_config(DEMO_PSNR, scale=2)
    assert demo.train_dataloader.dataset.lq_folder == "LRx2"
    assert demo.model.generator.upscale_factor == 2


def test_shipped_configs_are_consistent():
    for path in sorted((ROOT / "configs").rglob("*.py")):
        if "_base_" not in path.parts:
            load_config(str(path))  # raises on any disagreement


def test_scale_option_reaches_the_realesrgan_degradation():
    path = str(ROOT / "configs/realesrgan/realesrgan_rrdbnet_4xb12-400k_df2k-ost_x4.py")
    cfg = load_config(path, scale=2)
    assert cfg.model.data_preprocessor.degradation.scale == 2
    assert cfg.model.generator.upscale_factor == 2
    with pytest.raises(UsageError, match="degradation.scale = 4"):
        load_config(path, {"model.generator.upscale_factor": 2})
