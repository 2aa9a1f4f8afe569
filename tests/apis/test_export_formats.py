"""Export: BasicSR .pth, safetensors with metadata, ONNX verified with onnxruntime."""

import json
import re

import numpy as np
import pytest
import torch
from safetensors import safe_open

import srzoo
import srzoo.models  # noqa: F401
from srzoo.apis import export_onnx, export_pth, export_safetensors, load_generator
from srzoo.apis.export import ClampedOutput, verify_onnx
from srzoo.checkpoint import load_checkpoint_file
from srzoo.registry import BACKBONES

ARCH = dict(type="RRDBNet", mid_channels=8, num_blocks=1, growth_channels=4)


def generator(**overrides):
    torch.manual_seed(0)
    return BACKBONES.build({**ARCH, **overrides}).eval()


def esrgan_new_layout(sd):
    """The original ESRGAN repository's key names."""
    out = {}
    for key, value in sd.items():
        key = re.sub(r"^body\.(\d+)\.rdb(\d)\.conv(\d)\.", r"RRDB_trunk.\1.RDB\2.conv\3.", key)
        key = key.replace("conv_body.", "trunk_conv.").replace("conv_hr.", "HRconv.")
        out[re.sub(r"^conv_up(\d)\.", r"upconv\1.", key)] = value
    return out


def test_safetensors_metadata_and_reload(tmp_path):
    model = generator()
    src = tmp_path / "esrgan.pth"
    torch.save(esrgan_new_layout(model.state_dict()), src)
    out = export_safetensors(src, tmp_path / "g.safetensors", config_text="model = dict()")
    with safe_open(str(out), framework="pt") as f:
        meta = f.metadata()
        assert set(f.keys()) == set(model.state_dict())  # BasicSR key layout
    assert meta["arch"] == "RRDBNet" and meta["scale"] == "4"
    assert meta["srzoo_version"] == srzoo.__version__ and meta["config"] == "model = dict()"
    args = json.loads(meta["arch_args"])
    assert args == dict(
        in_channels=3,
        out_channels=3,
        mid_channels=8,
        num_blocks=1,
        growth_channels=4,
        upscale_factor=4,
    )
    loaded = load_generator(out)
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value)


def test_safetensors_rejects_wrong_suffix(tmp_path):
    with pytest.raises(ValueError, match=".safetensors"):
        export_safetensors(generator().state_dict(), tmp_path / "g.pth")


def test_pth_is_basicsr_params(tmp_path):
    model = generator(upscale_factor=2)
    out = export_pth(
        {"state_dict": {"generator." + k: v for k, v in model.state_dict().items()}},
        tmp_path / "g.pth",
    )
    ckpt = load_checkpoint_file(out)
    assert list(ckpt) == ["params"] and ckpt["params"].keys() == model.state_dict().keys()


@pytest.mark.parametrize("scale", [4, 2])
def test_onnx_export_is_verified(tmp_path, scale):
    pytest.importorskip("onnxruntime")
    model = generator(upscale_factor=scale)
    out = export_onnx(model.state_dict(), tmp_path / "g.onnx", sizes=((16, 16), (13, 22)))
    assert out.is_file()
    # dynamic H and W: a third, odd size also matches the clamped network within 1e-4
    assert verify_onnx(ClampedOutput(model), out, [(9, 15)]) <= 1e-4


def test_onnx_output_is_clamped_to_the_unit_range(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    model = generator(upscale_factor=4)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(20)  # push the raw output well outside [0, 1]
    out = export_onnx(model.state_dict(), tmp_path / "big.onnx", sizes=((8, 8),), atol=1e-2)
    x = torch.rand(1, 3, 8, 8, generator=torch.Generator().manual_seed(1))
    raw = model(x).detach()
    assert raw.min() < -0.1 and raw.max() > 1.1
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    got = session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]
    assert got.min() == 0.0 and got.max() == 1.0
    assert np.abs(got - raw.clamp(0, 1).numpy()).max() < 1e-2


def test_onnx_verification_failure_raises_and_keeps_nothing(tmp_path, monkeypatch):
    pytest.importorskip("onnxruntime")
    import srzoo.apis.export as export

    def fail(model, path, sizes, atol):
        raise RuntimeError("ONNX output differs from PyTorch by 0.5 > 0.0001 at 16x16")

    monkeypatch.setattr(export, "verify_onnx", fail)
    with pytest.raises(RuntimeError, match="differs from PyTorch"):
        export.export_onnx(generator().state_dict(), tmp_path / "g.onnx")
    assert list(tmp_path.iterdir()) == []


def test_verify_onnx_detects_a_mismatch(tmp_path):
    pytest.importorskip("onnxruntime")
    model = generator()
    out = export_onnx(model.state_dict(), tmp_path / "g.onnx", sizes=((16, 16),))
    with torch.no_grad():
        model.conv_last.bias.add_(0.01)
    with pytest.raises(RuntimeError, match="differs from PyTorch"):
        verify_onnx(model, out, [(16, 16)])
