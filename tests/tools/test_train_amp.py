"""tools/train.py --amp bf16 end to end: a 2-iteration ESRGAN run with EMA on the CPU.

A probe hook (a user module loaded through ``custom_imports``) records the dtype of the
generator's and the discriminator's activations during training: bfloat16 only if
autocast really ran, whatever the optimizer wrappers are called.
"""

import json
import math
import os
import re
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


PROBE = """
import json
from pathlib import Path

from mmengine.hooks import Hook

from srzoo.registry import HOOKS
from srzoo.utils.wrappers import unwrap


@HOOKS.register_module()
class DtypeProbeHook(Hook):
    \"\"\"Write the dtypes of G's and D's first-conv outputs in training to dtypes.json.\"\"\"

    def before_train(self, runner):
        model = unwrap(runner.model)
        self.seen = {"generator": set(), "discriminator": set()}
        for part in self.seen:
            first = next(m for m in getattr(model, part).modules() if hasattr(m, "kernel_size"))
            first.register_forward_hook(self._record(part))
        self.wrapper = type(runner.optim_wrapper["generator"]).__name__

    def _record(self, part):
        def hook(module, args, out):
            if module.training:
                self.seen[part].add(str(out.dtype))
        return hook

    def after_train(self, runner):
        found = {part: sorted(dtypes) for part, dtypes in self.seen.items()}
        found["wrapper"] = self.wrapper
        Path(runner.work_dir, "dtypes.json").write_text(json.dumps(found))
"""


def write_config(tmp_path: Path) -> Path:
    (tmp_path / "amp_probe.py").write_text(PROBE)
    path = tmp_path / "esrgan_amp.py"
    path.write_text(
        f"""
_base_ = ["{ROOT}/configs/demo/esrgan_rrdbnet-s_1xb4-300_demo_x4.py"]
custom_imports = dict(imports=["amp_probe"], allow_failed_imports=False)
model = dict(
    pretrained=None,
    generator=dict(mid_channels=8, num_blocks=1, growth_channels=4),
    discriminator=dict(mid_channels=4, input_size=32),
    perceptual_loss=dict(layer_weights={{"conv1_2": 1.0}}),
    ema=dict(momentum=0.5),
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
custom_hooks = [dict(type="DtypeProbeHook")]
"""
    )
    return path


def test_train_tool_amp_bf16_with_ema(tmp_path):
    write_pairs(tmp_path / "data")
    work = tmp_path / "work"
    cmd = [sys.executable, str(ROOT / "tools/train.py"), str(write_config(tmp_path))]
    cmd += ["--amp", "bf16", "--work-dir", str(work)]
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONPATH=path)  # amp_probe.py, for custom_imports
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    for noise in ("FileClient", "HardDiskBackend", "The prefix is not set in metric class"):
        assert noise not in log, f"mmengine noise in the training log: {noise}"
    assert "Checkpoints will be saved to" in log  # the log itself is kept
    # The environment and config dumps: one console line each, in full in the log file.
    (log_file,) = work.glob("*/*.log")
    for label in ("System and runtime environment", "Config", "Hook order"):
        assert re.search(rf"{label} \(\d+ lines\): in {re.escape(str(log_file))}", proc.stdout)
    for dumped in ("Runtime environment:", "default_hooks = dict(", "(NORMAL      ) "):
        assert dumped not in log and dumped in log_file.read_text()
    seen = json.loads((work / "dtypes.json").read_text())  # written by DtypeProbeHook
    assert seen["generator"] == ["torch.bfloat16"], f"G ran without bf16 autocast: {seen}"
    assert seen["discriminator"] == ["torch.bfloat16"], f"D ran without bf16 autocast: {seen}"
    assert seen["wrapper"] == "MixedPrecisionOptimWrapper"
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
