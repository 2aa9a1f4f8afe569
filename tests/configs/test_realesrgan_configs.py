"""The Real-ESRGAN configs hold the published set-up, build, and feed a degraded batch.

The x4plus settings are compared with Real-ESRGAN's ``options/train_realesrgan_x4plus.yml``
as vendored in ``tests/fixtures/realesrgan_reference.pt`` (``realesrgan_x4plus_options``).
"""

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import default_collate

import srzoo.datasets  # noqa: F401
import srzoo.models  # noqa: F401
from srzoo.checkpoint import load_weights
from srzoo.datasets.degradations.params import stage_options
from srzoo.datasets.samplers import SeededIndex
from srzoo.engine.launch import load_config
from srzoo.errors import WeightsError
from srzoo.registry import DATASETS, RESTORERS

DIR = Path(__file__).resolve().parents[2] / "configs" / "realesrgan"
GAN_X4 = DIR / "realesrgan_rrdbnet_4xb12-400k_df2k-ost_x4.py"
NET_X4 = DIR / "realesrnet_rrdbnet_4xb12-1000k_df2k-ost_x4.py"
GAN_X2 = DIR / "realesrgan_rrdbnet_4xb12-400k_df2k-ost_x2.py"
NET_X2 = DIR / "realesrnet_rrdbnet_4xb12-1000k_df2k-ost_x2.py"
GENERAL = DIR / "realesrgan_srvgg-general_4xb12-400k_df2k-ost_x4.py"
KERNEL_KEYS = ("blur_kernel_size", "kernel_list", "kernel_prob", "sinc_prob", "blur_sigma",
               "betag_range", "betap_range", "final_sinc_prob")  # fmt: skip


@pytest.fixture(scope="module")
def options(fixtures_dir):
    ref = torch.load(fixtures_dir / "realesrgan_reference.pt", weights_only=True)
    return ref["realesrgan_x4plus_options"]


def small(model_cfg) -> dict:
    """The config's restorer with random VGG weights and no pretrained generator."""
    cfg = model_cfg.to_dict()
    cfg.pop("pretrained", None)
    if cfg.get("perceptual_loss"):
        cfg["perceptual_loss"]["pretrained"] = None
    return cfg


def test_directory_holds_the_five_configs():
    assert sorted(p.name for p in DIR.glob("*.py")) == sorted(
        p.name for p in (GAN_X4, NET_X4, GAN_X2, NET_X2, GENERAL)
    )


def test_x4plus_gan_config_is_the_published_set_up(options):
    cfg = load_config(str(GAN_X4))
    model, train, data = cfg.model, options["train"], options["datasets"]["train"]
    pre = RESTORERS.build(model.data_preprocessor)
    assert pre.degradation.first == stage_options(options, 1)
    assert pre.degradation.second == stage_options(options, 2)
    size = (pre.degradation.scale, pre.degradation.gt_size, pre.degradation.pool.size)
    assert size == (options["scale"], options["gt_size"], options["queue_size"])
    assert pre.usm_targets == {k: options[k] for k in ("l1_gt_usm", "percep_gt_usm", "gan_gt_usm")}
    kernels = cfg.blur_kernels
    for key in KERNEL_KEYS:
        for suffix in ("", "2") if key != "final_sinc_prob" else ("",):
            assert list(np.atleast_1d(kernels[key + suffix])) == list(
                np.atleast_1d(data[key + suffix])
            ), key + suffix
    assert cfg.train_dataloader.batch_size == data["batch_size_per_gpu"] == 12
    assert [t["type"] for t in cfg.train_dataloader.dataset.pipeline] == [
        "LoadImageFromFile", "PairedFlipRot", "RandomCropPadGT", "RealESRGANKernels",
        "PackRealESRGANInputs"]  # fmt: skip
    flip = cfg.train_dataloader.dataset.pipeline[1]
    assert (flip.hflip, flip.rot90) == (data["use_hflip"], data["use_rot"])
    percep = model.perceptual_loss
    assert percep.layer_weights == train["perceptual_opt"]["layer_weights"]
    assert (percep.criterion, percep.perceptual_weight, percep.style_weight) == ("l1", 1.0, 0)
    assert model.pixel_loss.loss_weight == train["pixel_opt"]["loss_weight"]
    gan = train["gan_opt"]
    assert (model.gan_loss.gan_type, model.gan_loss.loss_weight) == (gan["gan_type"], 0.1)
    assert model.ema.momentum == train["ema_decay"]
    assert model.discriminator.type == options["network_d"]["type"] == "UNetDiscriminatorSN"
    assert model.generator.num_blocks == options["network_g"]["num_block"]
    for part, opt in (("generator", "optim_g"), ("discriminator", "optim_d")):
        optimizer = cfg.optim_wrapper[part].optimizer
        assert (optimizer.lr, list(optimizer.betas)) == (train[opt]["lr"], train[opt]["betas"])
    assert cfg.train_cfg.max_iters == train["total_iter"]
    assert cfg.param_scheduler.milestones == train["scheduler"]["milestones"]


@pytest.mark.parametrize(
    "path, restorer, generator, scale",
    [(GAN_X4, "RealESRGAN", "RRDBNet", 4), (NET_X4, "RealESRNet", "RRDBNet", 4),
     (GAN_X2, "RealESRGAN", "RRDBNet", 2), (NET_X2, "RealESRNet", "RRDBNet", 2),
     (GENERAL, "RealESRGAN", "SRVGGNetCompact", 4)],
    ids=lambda v: v.stem if isinstance(v, Path) else None,
)  # fmt: skip
def test_config_builds_at_its_scale(path, restorer, generator, scale):
    cfg = load_config(str(path))
    assert cfg.model_zoo.name and cfg.model_zoo.released
    model = RESTORERS.build(small(cfg.model))
    assert (type(model).__name__, type(model.generator).__name__) == (restorer, generator)
    assert model.generator.scale == model.data_preprocessor.degradation.scale == scale
    assert cfg.train_dataloader.dataset.scale == scale
    assert all(entry["dataset"]["scale"] == scale for entry in cfg.test_datasets)
    with torch.no_grad():
        assert model.generator(torch.rand(1, 3, 8, 8)).shape == (1, 3, 8 * scale, 8 * scale)


def test_published_variants():
    net = load_config(str(NET_X4))
    assert net.model.data_preprocessor.degradation.gt_usm == "before_degradation"
    assert net.optim_wrapper.optimizer.lr == 2e-4 and net.train_cfg.max_iters == 1000000
    assert net.model.ema.momentum == 0.999 and "discriminator" not in net.model
    general = load_config(str(GENERAL)).model.generator
    assert (general.mid_channels, general.num_convs, general.act_type) == (64, 32, "prelu")


def test_x2plus_net_starts_from_x4plus_but_its_first_conv(tmp_path):
    """train_realesrnet_x2plus.yml: RealESRGAN_x4plus.pth's params_ema, strict_load_g False."""
    net2, net4 = load_config(str(NET_X2)), load_config(str(NET_X4))
    assert net2.model.pretrained == dict(path="pretrained/RealESRGAN_x4plus.pth",
                                         prefix="generator_ema", strict=False,
                                         skip_mismatched=True)  # fmt: skip
    for key in ("optim_wrapper", "param_scheduler", "train_cfg"):
        assert net2[key] == net4[key], key
    assert net2.model.data_preprocessor.degradation == dict(
        net4.model.data_preprocessor.degradation, scale=2
    )
    tiny = dict(mid_channels=8, num_blocks=1, growth_channels=4)
    x4 = RESTORERS.build(dict(small(net4.model), generator=dict(net4.model.generator, **tiny)))
    released = {k: v + 1.0 for k, v in x4.generator.state_dict().items()}  # not the init
    torch.save({"params_ema": released}, tmp_path / "RealESRGAN_x4plus.pth")
    cfg = dict(small(net2.model), generator=dict(net2.model.generator, **tiny))
    path = str(tmp_path / "RealESRGAN_x4plus.pth")
    x2 = RESTORERS.build(dict(cfg, pretrained=dict(net2.model.pretrained, path=path)))
    x2.init_weights()
    loaded = x2.generator.state_dict()
    assert loaded["conv_first.weight"].shape == (8, 12, 3, 3) != released["conv_first.weight"].shape
    same = [k for k in loaded if k != "conv_first.weight"]  # its bias has the same shape
    assert len(same) > 10 and all(torch.equal(loaded[k], released[k]) for k in same)
    with pytest.raises(WeightsError, match="conv_first.weight"):  # without skip_mismatched
        load_weights(x2.generator, released, prefix=None, strict=False)


def test_train_pipeline_makes_a_batch_the_restorer_degrades(tmp_path):
    """The x4plus data set on a 2-image folder, one smaller than the 400 crop-pad."""
    cfg = load_config(str(GAN_X4))
    dataset_cfg = cfg.train_dataloader.dataset.to_dict()
    rng = np.random.default_rng(0)
    (tmp_path / "GT").mkdir()
    for name, shape in (("a.png", (300, 420, 3)), ("b.png", (420, 460, 3))):
        cv2.imwrite(str(tmp_path / "GT" / name), rng.integers(0, 256, shape, dtype=np.uint8))
    dataset_cfg.update(data_root=str(tmp_path), gt_folder="GT", meta_info_file=None)
    dataset = DATASETS.build(dataset_cfg)
    items = [dataset[SeededIndex(i, 100 + i)] for i in (0, 1)]
    assert items[0]["inputs"].shape == (3, 400, 400)
    assert items[0]["data_samples"].kernel1.shape == (21, 21)
    assert items[1]["data_samples"].sample_seed == 101
    batch = default_collate(items)
    model = RESTORERS.build(small(cfg.model))
    model.data_preprocessor.degradation.pool.size = 0  # one batch: no pool
    out = model.data_preprocessor(batch, True)
    assert out["inputs"].shape == (2, 3, 64, 64)
    assert out["data_samples"][0].gt_usm.shape == (3, 256, 256)
