"""Every config loads, builds its restorer, and builds its data sets on a fake folder tree."""

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

import srzoo.datasets  # noqa: F401
import srzoo.evaluation  # noqa: F401
import srzoo.models  # noqa: F401
from srzoo.registry import DATASETS, RESTORERS

CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs"
# Real-ESRGAN's configs train on GT only, degraded by the model: test_realesrgan_configs.py.
CONFIGS = sorted(
    p for p in CONFIG_DIR.rglob("*.py") if "_base_" not in p.parts and "realesrgan" not in p.parts
)


def test_every_leaf_config_is_found():
    names = {p.name for p in CONFIGS}
    assert {"esrgan_x4.py", "srgan_x4.py"} <= names
    assert len(CONFIGS) >= 9


def without_vgg_weights(model_cfg: dict) -> dict:
    """The tests have no VGG19 file: build the perceptual loss with random weights."""
    if model_cfg.get("perceptual_loss"):
        model_cfg["perceptual_loss"]["pretrained"] = None
    model_cfg.pop("pretrained", None)
    return model_cfg


def fake_tree(root: Path, dataset: dict) -> dict:
    """Create one GT/LQ image pair where ``dataset`` expects its folders; return the cfg."""
    dataset = dict(dataset, data_root=str(root / dataset["data_root"]))
    scale = dataset["scale"]
    gt_dir = Path(dataset["data_root"]) / dataset["gt_folder"]
    lq_dir = Path(dataset["data_root"]) / dataset["lq_folder"]
    gt_dir.mkdir(parents=True, exist_ok=True)
    lq_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    gt = rng.integers(0, 256, (256, 256, 3), dtype=np.uint8)  # >= the largest GT crop (256)
    cv2.imwrite(str(gt_dir / "0001.png"), gt)
    lq_name = dataset.get("filename_tmpl", "{}").format("0001")
    cv2.imwrite(str(lq_dir / f"{lq_name}.png"), gt[::scale, ::scale])
    return dataset


def check_dataset(root: Path, dataset: dict) -> None:
    ds = DATASETS.build(fake_tree(root, dataset))
    item = ds[0]
    lq, sample = item["inputs"], item["data_samples"]
    scale = dataset["scale"]
    assert lq.shape[0] == 3
    assert tuple(sample.gt_img.shape[1:]) == (lq.shape[1] * scale, lq.shape[2] * scale)


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(CONFIG_DIR)))
def test_config_builds_model_and_datasets(path, tmp_path):
    cfg = Config.fromfile(str(path))
    assert cfg.default_scope == "srzoo"
    assert cfg.get("model_zoo", {}).get("name")
    model = RESTORERS.build(without_vgg_weights(cfg.model.to_dict()))
    scale = cfg.model.generator.upscale_factor
    with torch.no_grad():
        out = model.generator(torch.rand(1, 3, 8, 8))
    assert out.shape == (1, 3, 8 * scale, 8 * scale)
    if "discriminator" in cfg.model:
        size = cfg.model.discriminator.input_size
        patch = cfg.train_dataloader.dataset.pipeline[2]["gt_patch_size"]
        assert size == patch, "discriminator input size must match the GT patch"
    check_dataset(tmp_path, cfg.train_dataloader.dataset.to_dict())
    for entry in cfg.test_datasets:
        check_dataset(tmp_path, entry["dataset"])
