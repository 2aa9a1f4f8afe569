"""``srzoo speed`` on a Real-ESRGAN config: the degradation table beside the training step."""

import json
from pathlib import Path

import torch

import srzoo.models  # noqa: F401
from srzoo.cli import main
from srzoo.datasets.degradations import RealESRGANKernels
from srzoo.engine.launch import load_config
from srzoo.speed.degradation import DEGRADATION_HEADERS, measure_degradation, packed_gt_batches

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "configs/realesrgan/realesrgan_rrdbnet_4xb12-400k_df2k-ost_x4.py"


def tiny_config(tmp_path: Path) -> Path:
    path = tmp_path / "realesrgan_tiny_bench.py"
    path.write_text(
        f"""
_base_ = ["{BASE}"]
model = dict(
    pretrained=None,
    generator=dict(mid_channels=8, num_blocks=1, growth_channels=8),
    discriminator=dict(mid_channels=8),
    perceptual_loss=dict(layer_weights={{"conv1_2": 0.1}}),
    data_preprocessor=dict(degradation=dict(gt_size=32, queue_size=4)),
)
train_dataloader = dict(dataset=dict(data_root="{tmp_path}/no-such-data", pipeline=[
    dict(type="LoadImageFromFile", key="gt"), dict(type="RandomCropPadGT", size=80),
    {{{{_base_.blur_kernels}}}}, dict(type="PackRealESRGANInputs")]))
"""
    )
    return path


def table_rows(text: str, heading: str) -> list:
    block = text.split(heading, 1)[1].split("\n## ", 1)[0]
    lines = [line for line in block.splitlines() if line.startswith("|")]
    return [[c.strip() for c in line.strip("|").split("|")] for line in lines if "---" not in line]


def test_packed_gt_batches_carry_the_configs_kernels_and_new_seeds(tmp_path):
    cfg = load_config(str(tiny_config(tmp_path)))
    batches = packed_gt_batches(cfg, 3)
    first, second = next(batches), next(batches)
    assert first["inputs"][0].shape == (3, 80, 80) and len(first["data_samples"]) == 3
    seeds = [s.sample_seed for s in first["data_samples"] + second["data_samples"]]
    assert seeds == list(range(6))
    kernels = RealESRGANKernels()(dict(sample_seed=4))
    assert torch.equal(second["data_samples"][1].kernel1, torch.from_numpy(kernels["kernel1"]))


def test_measure_degradation_rates_and_none_without_degradation(tmp_path):
    cfg = load_config(str(tiny_config(tmp_path)))
    result = measure_degradation(cfg, torch.device("cpu"), batch_size=2, iters=2, warmup=0)
    assert (result["batch"], result["gt_in"], result["gt_out"]) == (2, 80, 32)
    assert result["ms"] > 0 and result["kernels_per_s"] > 0
    assert abs(result["images_per_s"] - 2000.0 / result["ms"]) < 1e-6
    esrgan = load_config(str(ROOT / "configs/esrgan_x4.py"))
    assert measure_degradation(esrgan, torch.device("cpu"), batch_size=2, iters=1, warmup=0) is None


def test_speed_reports_degradation_beside_the_training_step(tmp_path):
    out = tmp_path / "speed.md"
    argv = ["speed", str(tiny_config(tmp_path)), "--tiny", "--no-infer", "--out", str(out)]
    assert main([*argv, "--train-variants", "fp32"]) == 0
    text = out.read_text()
    train = table_rows(text, "## Training iteration")
    assert [r[0] for r in train[1:]] == ["fp32"] and float(train[1][5]) > 0
    degradation = table_rows(text, "## Degradation on the device")
    assert degradation[0] == DEGRADATION_HEADERS
    assert degradation[1][:3] == ["2", "80²", "32²"] and float(degradation[1][4]) > 0
    assert "training: batch 2, GT patch 32" in text
    summary = text.split("## Summary", 1)[1]
    assert "degradation: " in summary and "images/s" in summary and "fp32 iteration" in summary
    meta = json.loads(out.with_suffix(".json").read_text())["meta"]
    assert meta["degradation"]["batch"] == 2
