"""Device names become one line of error, not a torch traceback, at every entry point."""

import subprocess
import sys

import pytest
import torch

from srzoo.apis.tiling import tiled_forward
from srzoo.errors import UsageError
from srzoo.utils.names import resolve_device


def test_cpu_and_torch_devices_pass_through():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")


@pytest.mark.parametrize("name", ["gpu", "cuda:x", "", 3.5])
def test_unknown_names_are_usage_errors(name):
    with pytest.raises(UsageError, match="unknown device"):
        resolve_device(name)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_a_missing_backend_names_the_device_and_the_way_out():
    with pytest.raises(UsageError, match=r"device 'cuda:1' is not available here .*--device cpu"):
        resolve_device("cuda:1")
    with pytest.raises(UsageError, match="not available"):
        tiled_forward(torch.nn.Identity(), torch.zeros(1, 3, 4, 4), scale=1, device="cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_a_gpu_index_out_of_range_is_a_usage_error():
    with pytest.raises(UsageError, match="does not exist"):
        resolve_device(f"cuda:{torch.cuda.device_count()}")


def test_upscale_with_an_unusable_device_prints_one_line(tmp_path):
    import cv2

    import srzoo.models  # noqa: F401
    from srzoo.registry import BACKBONES

    net = BACKBONES.build(dict(type="SRVGGNetCompact", mid_channels=4, num_convs=1))
    torch.save(net.state_dict(), tmp_path / "m.pth")
    cv2.imwrite(str(tmp_path / "in.png"), torch.zeros(8, 8, 3, dtype=torch.uint8).numpy())
    cmd = [sys.executable, "-m", "srzoo.cli", "upscale", str(tmp_path / "in.png"), "-o"]
    cmd += [str(tmp_path / "out"), "--model", str(tmp_path / "m.pth"), "--device", "gpu"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("srzoo: error: unknown device 'gpu'")
