"""Misspelled config keys and types: one error naming the key path and the nearest names."""

from pathlib import Path

import pytest
from mmengine.config import Config

import srzoo.datasets  # noqa: F401
import srzoo.engine  # noqa: F401
import srzoo.models  # noqa: F401
from srzoo.registry import BACKBONES, HOOKS
from srzoo.utils.config_check import check_config
from srzoo.utils.registry_hint import ConfigKeyError, accepted_keys


def esrgan_config(**options) -> Config:
    cfg = Config.fromfile(Path(__file__).resolve().parents[2] / "configs" / "esrgan_x4.py")
    cfg.merge_from_dict(options)
    return cfg


def test_every_shipped_part_passes():
    check_config(esrgan_config())


@pytest.mark.parametrize(
    "key, path, hint",
    [
        ("model.generator.num_blcoks", "model.generator.num_blcoks", "num_blocks"),
        ("model.pixel_loss.loss_wieght", "model.pixel_loss.loss_wieght", "loss_weight"),
        ("model.disc_step", "model.disc_step", "disc_steps"),
        ("train_dataloader.dataset.gt_foldr", "train_dataloader.dataset.gt_foldr", "gt_folder"),
        ("train_dataloader.sampler.shufle", "train_dataloader.sampler.shufle", "shuffle"),
    ],
)
def test_misspelled_key_names_its_path_and_the_nearest_names(key, path, hint):
    with pytest.raises(ConfigKeyError) as err:
        check_config(esrgan_config(**{key: 1}))
    assert f"unknown config key '{path}'" in str(err.value)
    assert f"Did you mean: {hint}" in str(err.value)


def test_misspelled_key_in_a_pipeline_step():
    cfg = esrgan_config()
    cfg.train_dataloader.dataset.pipeline[2]["gt_patch_sise"] = 128
    with pytest.raises(ConfigKeyError, match=r"pipeline\[2\].gt_patch_sise.*gt_patch_size"):
        check_config(cfg)


def test_misspelled_types_name_the_closest_registered_ones():
    with pytest.raises(KeyError, match="model.type: 'ESRGN'.*Did you mean: ESRGAN"):
        check_config(esrgan_config(**{"model.type": "ESRGN"}))
    with pytest.raises(KeyError, match="train_dataloader.dataset.type.*PairedImageDataset"):
        check_config(esrgan_config(**{"train_dataloader.dataset.type": "PairedImageDatset"}))
    cfg = esrgan_config()
    cfg.custom_hooks = [dict(type="GeneratorEMAHok")]
    with pytest.raises(KeyError, match=r"custom_hooks\[0\].*GeneratorEMAHook"):
        check_config(cfg)


def test_registry_build_checks_keys_too():
    with pytest.raises(ConfigKeyError, match="'num_blcoks': RRDBNet.*Did you mean: num_blocks"):
        BACKBONES.build(dict(type="RRDBNet", num_blcoks=2))
    assert accepted_keys(HOOKS.get("CheckpointHook")) is None  # takes **kwargs: not checked
