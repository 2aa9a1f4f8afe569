"""The EDSR, RCAN and SwinIR configs (and ESRGAN with SwinIR) train 2 CPU iterations.

Each shipped config runs as written except for ``--cfg-options`` that shrink it: a small
generator, the demo-style data of ``tests/engine/train_helpers.py``, small crops, no
validation. The ESRGAN + SwinIR config runs ESRGAN's GAN schedule (G and D steps).
"""

import json
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

HERE = Path(__file__).resolve().parents[1] / "engine"
sys.path.insert(0, str(HERE))

from train_helpers import make_pairs, network_weights, train_in_process  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SMALL = {
    "EDSR": ["mid_channels=8", "num_blocks=1"],
    "RCAN": ["mid_channels=8", "num_groups=2", "num_blocks=1", "squeeze_factor=4"],
    "SwinIR": ["embed_dim=8", "depths=[2]", "num_heads=[2]", "window_size=4", "img_size=8",
               "mid_channels=8"],
}  # fmt: skip
CONFIGS = {
    "edsr/edsr_edsr_1xb16-300k_div2k_x4.py": "EDSR",
    "rcan/rcan_rcan_1xb16-1000k_div2k_x4.py": "RCAN",
    "swinir/swinir_swinir-m_1xb32-500k_div2k_x4.py": "SwinIR",
    "swinir/swinir_swinir-m_1xb32-500k_df2k_x4.py": "SwinIR",
    "esrgan/esrgan_swinir_1xb16-400k_div2k_x4.py": "SwinIR",
}


def shrink(generator: str, data: Path, patch: int) -> list:
    """``--cfg-options`` for a 2-iteration CPU run on ``data`` with ``patch``-pixel GT crops."""
    small = [f"model.generator.{option}" for option in SMALL[generator]]
    loader = "train_dataloader."
    return small + [
        f"{loader}dataset.data_root={data}",
        f"{loader}dataset.gt_folder=GT",
        f"{loader}dataset.lq_folder=LRx4",
        f"{loader}dataset.pipeline.2.gt_patch_size={patch}",
        *(f"{loader}{k}" for k in ("batch_size=2", "num_workers=0", "persistent_workers=False")),
        *(f"{loader}{k}" for k in ("prefetch_factor=None", "pin_memory=False")),
        *("val_dataloader=None", "val_cfg=None", "val_evaluator=None", "train_cfg.max_iters=2"),
        "default_hooks.checkpoint.interval=1",
        "default_hooks.checkpoint.save_best=None",
        "default_hooks.logger.interval=1",
        "randomness.deterministic=False",
    ]


def gan_options() -> list:
    """ESRGAN's parts at test size: random VGG19, a 4-channel discriminator, no pretrained G."""
    return [
        "model.perceptual_loss.pretrained=None",
        "model.discriminator.mid_channels=4",
        "model.pretrained=None",
    ]


def losses(work: Path) -> dict:
    """The last logged value of every ``loss*`` key."""
    (scalars,) = work.glob("*/vis_data/scalars.json")
    rows = [json.loads(line) for line in scalars.read_text().splitlines()]
    return {k: v for row in rows for k, v in row.items() if k.startswith("loss")}


def changed(before: dict, after: dict, prefix: str) -> bool:
    keys = [k for k in before if k.startswith(prefix) and before[k].is_floating_point()]
    return bool(keys) and any(not torch.equal(before[k], after[k]) for k in keys)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """Six 48 px GT / 12 px LR pairs, and two 128 px pairs for the 128 px discriminator."""
    root = tmp_path_factory.mktemp("data")
    make_pairs(root / "small", count=6, size=48)
    make_pairs(root / "large", count=2, size=128)
    return root


def test_every_new_config_is_covered():
    names = {p.relative_to(ROOT / "configs").as_posix() for p in (ROOT / "configs").rglob("*.py")}
    new = {n for n in names if n.startswith(("edsr/", "rcan/", "swinir/", "esrgan/esrgan_swinir"))}
    assert new == set(CONFIGS)


@pytest.mark.parametrize("name", CONFIGS)
def test_config_trains_two_cpu_iterations(name, data, tmp_path):
    config = ROOT / "configs" / name
    generator = CONFIGS[name]
    assert Config.fromfile(str(config)).model.generator.type == generator
    gan = name.startswith("esrgan/")
    options = shrink(generator, data / ("large" if gan else "small"), 128 if gan else 32)
    work = tmp_path / "work"
    train_in_process(config, work, "--cfg-options", *options, *(gan_options() if gan else []))
    first, second = network_weights(work / "iter_1.pth"), network_weights(work / "iter_2.pth")
    assert changed(first, second, "generator.")  # the second step moved G
    logged = losses(work)
    assert all(torch.isfinite(torch.tensor(v)) for v in logged.values())
    if gan:
        assert changed(first, second, "discriminator.")
        assert {"loss_perceptual", "loss_gan", "loss_d_real", "loss_d_fake"} <= set(logged)
    else:
        assert set(logged) >= {"loss_pix"} and "loss_gan" not in logged
    if "swinir/" in name:  # the official recipe evaluates an EMA of the weights
        assert changed(first, second, "generator_ema.")
