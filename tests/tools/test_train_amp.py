"""tools/train.py --amp bf16 end to end: a 2-iteration ESRGAN run with EMA on the CPU."""

import json
import math
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]


def write_pairs(root: Path, count: int = 4, size: int = 48) -> None:
    rng = np.random.default_rng(0)
    for sub in ("GT", "LRx4"):
        (root / sub).mkdir(parents=True)
    for i in range(count):
        gt = cv2.resize(rng.integers(0, 256, (6, 6, 3), dtype=np.uint8), (size, size))
        cv2.imwrite(str(root / "GT" / f"{i}.png"), gt)
        cv2.imwrite(str(root / "LRx4" / f"{i}.png"), cv2.resize(gt, (size // 4, size // 4)))


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "esrgan_amp.py"
    path.write_text(
        f"""
_base_ = ["{ROOT}/configs/demo/esrgan_rrdbnet-s_1xb4-300_demo_x4.py"]
model = dict(
    pretrained=None,
    generator=dict(mid_channels=8, num_blocks=1, growth_channels=4),
    discriminator=dict(mid_channels=4, input_size=32),
    perceptual_loss=dict(layer_weights={{"conv1_2": 1.0}}),
)
train_pipeline = [
    dict(type="LoadImageFromFile", key="gt"),
    dict(type="LoadImageFromFile", key="lq"),
    dict(type="PairedRandomCrop", gt_patch_size=32),
    dict(type="PackSRInputs"),
]
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                        prefetch_factor=None,
                        dataset=dict(data_root="{tmp_path}/data", pipeline=train_pipeline))
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None
test_datasets = []
train_cfg = dict(max_iters=2, val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=2, save_best=None), logger=dict(interval=1))
custom_hooks = [dict(type="GeneratorEMAHook", momentum=0.5)]
"""
    )
    return path


def test_train_tool_amp_bf16_with_ema(tmp_path):
    write_pairs(tmp_path / "data")
    work = tmp_path / "work"
    cmd = [sys.executable, str(ROOT / "tools/train.py"), str(write_config(tmp_path))]
    cmd += ["--amp", "bf16", "--work-dir", str(work)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    ckpt = torch.load(work / "iter_2.pth", map_location="cpu", weights_only=False)
    state = ckpt["state_dict"]
    g_keys = {k.split(".", 1)[1] for k in state if k.startswith("generator.")}
    assert g_keys == {k.split(".", 1)[1] for k in state if k.startswith("generator_ema.")}
    assert not torch.equal(
        state["generator.conv_first.weight"], state["generator_ema.conv_first.weight"]
    )
    assert set(ckpt["optimizer"]) == {"generator", "discriminator"}
    assert not any("loss_scaler" in part for part in ckpt["optimizer"].values())  # bf16: no scaler
    scalars = [
        json.loads(line) for line in next(work.rglob("scalars.json")).read_text().splitlines()
    ]
    losses = [v for row in scalars for k, v in row.items() if k.startswith("loss")]
    assert len(losses) >= 10 and all(math.isfinite(v) for v in losses)
