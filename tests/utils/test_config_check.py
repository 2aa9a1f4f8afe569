"""Misspelled config keys and types: one error naming the key path and the nearest names."""

import copy
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest
from mmengine.config import Config

import srzoo.datasets  # noqa: F401
import srzoo.engine  # noqa: F401
import srzoo.models  # noqa: F401
from srzoo.errors import UsageError
from srzoo.registry import BACKBONES, DATA_SAMPLERS, DATASETS, DISCRIMINATORS, HOOKS, RESTORERS
from srzoo.utils.config_check import check_config
from srzoo.utils.registry_hint import ConfigKeyError, accepted_keys


def esrgan_config(**options) -> Config:
    cfg = Config.fromfile(Path(__file__).resolve().parents[2] / "configs" / "esrgan_x4.py")
    cfg.merge_from_dict(options)
    return cfg


CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs"
CONFIGS = sorted(str(p.relative_to(CONFIG_DIR)) for p in CONFIG_DIR.rglob("*.py"))
# Configs holding no part that check_config checks (only loops): nothing to misspell there.
NOTHING_CHECKED = {"_base_/schedules/iter_loops.py"}


def checked_parts(cfg: Config) -> Iterator[Tuple[str, dict, Any]]:
    """(path, config, registry) of the top-level parts check_config checks, in its order."""
    yield "model", cfg.get("model"), RESTORERS
    for loader in ("train_dataloader", "val_dataloader", "test_dataloader"):
        section = cfg.get(loader) or {}
        yield f"{loader}.dataset", section.get("dataset"), DATASETS
        yield f"{loader}.sampler", section.get("sampler"), DATA_SAMPLERS
    for index, hook in enumerate(cfg.get("custom_hooks") or []):
        yield f"custom_hooks[{index}]", hook, HOOKS
    for name, hook in (cfg.get("default_hooks") or {}).items():
        yield f"default_hooks.{name}", hook, HOOKS


def misspell(key: str, valid: List[str]) -> str:
    """``key`` with two neighbouring letters swapped (``num_blocks`` -> ``num_blcoks``)."""
    for i in [*range(len(key) // 2, len(key) - 1), *range(len(key) // 2)]:
        bad = key[:i] + key[i + 1] + key[i] + key[i + 2 :]
        if "_" not in key[i : i + 2] and bad not in valid:
            return bad
    raise AssertionError(f"cannot misspell {key!r}")


def typo_sites(cfg: Config) -> List[Tuple[str, dict, List[str]]]:
    """(path, part, its accepted keys) of every checked part whose keys are checked: the
    top-level parts, and the model's generator and discriminator (nested parts)."""
    model = cfg.get("model") or {}
    nested = [("model.generator", model.get("generator"), BACKBONES)]
    nested += [("model.discriminator", model.get("discriminator"), DISCRIMINATORS)]
    sites = []
    for path, part, registry in [*checked_parts(cfg), *nested]:
        if isinstance(part, dict) and isinstance(part.get("type"), str):
            registry.import_from_location()
            valid = accepted_keys(registry.get(part["type"]))
            if valid:  # None: the class takes **kwargs, so its keys are not checked
                sites.append((path, part, valid))
    return sites


def inject_typo(part: dict, valid: List[str]) -> Tuple[str, str]:
    """Add to ``part`` a misspelled copy of one of its keys (else of a key it takes).

    Returns:
        (the bad key, the key it misspells).
    """
    good = next((k for k in part if k in valid), valid[0])
    bad = misspell(good, valid)
    part[bad] = part.get(good, 1)
    return bad, good


@pytest.mark.parametrize("name", CONFIGS)
def test_every_shipped_config_passes_and_fails_with_a_typo(name):
    shipped = Config.fromfile(CONFIG_DIR / name)
    check_config(shipped)  # the shipped config: no error
    sites = typo_sites(shipped)
    assert sites or name in NOTHING_CHECKED, f"{name}: no checked part to put a typo in"
    for index in range(len(sites)):
        cfg = copy.deepcopy(shipped)
        path, part, valid = typo_sites(cfg)[index]
        bad, good = inject_typo(part, valid)
        with pytest.raises(ConfigKeyError) as err:
            check_config(cfg)
        message = str(err.value)
        assert f"unknown config key '{path}.{bad}'" in message, message
        assert good in message.split("Did you mean:")[1].split("?")[0], message
    if any(path == "model" for path, _, _ in sites):
        assert {"model.generator"} <= {path for path, _, _ in sites}


def test_the_configs_are_all_found():
    assert len(CONFIGS) >= 10 and "esrgan_x4.py" in CONFIGS
    assert NOTHING_CHECKED <= set(CONFIGS)


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


def test_loop_keys_are_checked():
    from srzoo.engine.launch import load_config
    from srzoo.utils.registry_hint import ConfigKeyError

    config = str(CONFIG_DIR / "esrgan_x4.py")
    with pytest.raises(ConfigKeyError, match=r"train_cfg.max_iter'.*Did you mean: max_iters"):
        load_config(config, {"train_cfg.max_iter": 10})
    load_config(config, {"train_cfg.max_iters": 10})  # the right key passes


@pytest.mark.parametrize(
    ("key", "path", "nearest"),
    [
        ("optim_wrapper.generator.optimizer.lrr", "optim_wrapper.generator.optimizer.lrr", "lr"),
        ("optim_wrapper.discriminator.optimizer.beta", "optim_wrapper.discriminator.optimizer.beta",
         "betas"),
    ],
)  # fmt: skip
def test_optimizer_key_typos_are_named_before_the_build(key, path, nearest):
    with pytest.raises(ConfigKeyError, match=rf"'{path}'.*Did you mean: {nearest}\?"):
        check_config(esrgan_config(**{key: 1e-4}))


def test_single_optimizer_wrapper_is_checked_too():
    cfg = Config.fromfile(CONFIG_DIR / "demo/msrresnet-psnr_msrresnet-s_1xb16-1200_demo_x4.py")
    check_config(cfg)
    cfg.merge_from_dict({"optim_wrapper.optimizer.weight_decy": 0.0})
    with pytest.raises(
        ConfigKeyError, match=r"'optim_wrapper.optimizer.weight_decy'.*weight_decay"
    ):
        check_config(cfg)


@pytest.mark.parametrize(("key", "value"), [("batch_size", "abc"), ("batch_size", 0),
                                            ("num_workers", -1), ("batch_size", 2.0)])  # fmt: skip
def test_loader_sizes_must_be_integers(key, value):
    with pytest.raises(UsageError, match=rf"train_dataloader.{key}: an integer >= \d, got"):
        check_config(esrgan_config(**{f"train_dataloader.{key}": value}))
