"""A plugin backbone that declares the contract (``srzoo.arch.SRArch``) gets the whole
weights life cycle from srzoo unchanged: ``srzoo upscale`` and ``srzoo export`` (safetensors,
ONNX) on its checkpoints, in BasicSR ``params`` layout and as srzoo safetensors.

The example plugin (``tests/plugins``) is installed as an ``srzoo.plugins`` entry point in a
temporary site folder, exactly as ``tests/test_plugins.py`` does, and every step runs in a
fresh interpreter the way a user would run it.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict

import cv2
import numpy as np
import pytest
from test_plugins import install_plugin

SCALE = 3  # not the constructor's default: the commands must read it from the weights
LR_H, LR_W = 13, 9  # odd: the plugin's input multiple (2) forces pad-then-crop


def _env(site: Path) -> Dict[str, str]:
    return {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"}


def run_python(code: str, site: Path, cwd: Path) -> subprocess.CompletedProcess:
    """``python -c code`` with the plugin installed."""
    cmd = [sys.executable, "-c", textwrap.dedent(code)]
    return subprocess.run(cmd, capture_output=True, text=True, env=_env(site), cwd=cwd)


def run_cli(*args: str, site: Path, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m srzoo.cli ARGS`` with the plugin installed."""
    cmd = [sys.executable, "-m", "srzoo.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=_env(site), cwd=cwd)


def _ok(proc: subprocess.CompletedProcess) -> None:
    output = proc.stdout[-2000:] + proc.stderr[-3000:]
    assert proc.returncode == 0, f"exit {proc.returncode}\n{output}"


@pytest.fixture(scope="module")
def plugin_run(tmp_path_factory):
    """The plugin installed; its checkpoints (``params`` .pth and safetensors) and an image."""
    root = tmp_path_factory.mktemp("plugin_contract")
    site = root / "site"
    site.mkdir()
    install_plugin(site)
    rng = np.random.default_rng(0)
    cv2.imwrite(str(root / "img.png"), rng.integers(0, 256, (LR_H, LR_W, 3), dtype=np.uint8))
    code = f"""
        import torch
        from srzoo.apis import export_safetensors
        from srzoo.plugins import load_plugins
        from srzoo.registry import BACKBONES
        assert "nearest_net" in load_plugins()
        torch.manual_seed(0)
        net = BACKBONES.build(dict(type="NearestConvNet", upscale_factor={SCALE}))
        with torch.no_grad():
            for p in net.parameters():
                p.add_(0.02 * torch.randn_like(p))  # not what any build would repeat
        torch.save({{"params": net.state_dict()}}, "ckpt.pth")
        export_safetensors("ckpt.pth", "ckpt.safetensors")
        """
    _ok(run_python(code, site, root))
    return root, site


@pytest.mark.parametrize("ckpt", ["ckpt.pth", "ckpt.safetensors"])
def test_upscale_command_reads_the_plugin_checkpoint(plugin_run, ckpt):
    root, site = plugin_run
    out = f"out_{Path(ckpt).suffix[1:]}.png"
    _ok(run_cli("upscale", "img.png", "-o", out, "--model", ckpt, "--quiet", site=site, cwd=root))
    image = cv2.imread(str(root / out), cv2.IMREAD_UNCHANGED)
    assert image.shape == (LR_H * SCALE, LR_W * SCALE, 3)


def test_export_commands_write_files_that_load_identically(plugin_run):
    root, site = plugin_run
    for fmt in ("safetensors", "onnx"):
        args = ("export", "ckpt.pth", "--format", fmt, "-o", f"x.{fmt}")
        _ok(run_cli(*args, site=site, cwd=root))
    code = f"""
        import onnxruntime
        import torch
        from srzoo.apis import load_generator
        reference = load_generator("ckpt.pth")
        exported = load_generator("x.safetensors")
        assert type(exported).__name__ == "NearestConvNet", type(exported)
        assert exported.arch_config == reference.arch_config, exported.arch_config
        assert exported.scale == {SCALE}
        x = torch.rand(2, 3, {LR_H}, {LR_W}, generator=torch.Generator().manual_seed(1))
        with torch.no_grad():
            expected = reference(x)
            assert expected.shape == (2, 3, {LR_H * SCALE}, {LR_W * SCALE})
            assert torch.equal(exported(x), expected)
        session = onnxruntime.InferenceSession("x.onnx", providers=["CPUExecutionProvider"])
        (got,) = session.run(None, {{session.get_inputs()[0].name: x.numpy()}})
        inside = ((expected > 0) & (expected < 1)).float().mean()
        assert inside > 0.5, inside  # the clamp below leaves most values to compare
        clamped = expected.clamp(0, 1)  # the ONNX graph clamps to [0, 1], as upscale does
        torch.testing.assert_close(torch.from_numpy(got), clamped, atol=1e-5, rtol=0)
        print("identical")
        """
    proc = run_python(code, site, root)
    _ok(proc)
    assert proc.stdout.strip().endswith("identical")


def test_commands_fail_without_the_plugin(plugin_run):
    """The same checkpoint without the plugin installed: one error line, exit status 1."""
    root, _ = plugin_run
    bare = root / "no_plugins"
    bare.mkdir(exist_ok=True)
    args = ("upscale", "img.png", "-o", "none.png", "--model", "ckpt.pth")
    proc = run_cli(*args, site=bare, cwd=root)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "match no registered generator" in proc.stderr and "Traceback" not in proc.stderr
    assert not os.path.exists(root / "none.png")
