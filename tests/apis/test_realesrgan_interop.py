"""Released Real-ESRGAN layouts load through the contract; ``srzoo upscale`` and the
denoise-strength blend (``srzoo interpolate``) of realesr-general-x4v3 with its wdn twin.

Each released file is rebuilt from random weights in its layout (BasicSR keys under
``params_ema`` or ``params``) with the released block counts and scales; the channel widths
are shrunk, which the detection reads from the tensor shapes as it reads the real ones.
"""

import cv2
import numpy as np
import pytest
import torch

import srzoo.models  # noqa: F401
from srzoo.apis import load_generator
from srzoo.apis.convert import load_generator_and_arch
from srzoo.checkpoint import load_checkpoint_file
from srzoo.cli import main
from srzoo.registry import BACKBONES

RRDB = dict(type="RRDBNet", in_channels=3, out_channels=3, mid_channels=8, growth_channels=4)
SRVGG = dict(type="SRVGGNetCompact", in_channels=3, out_channels=3, mid_channels=8,
             upscale_factor=4, act_type="prelu")  # fmt: skip
# Released file -> (its key, the generator it holds). Real-ESRGAN's inference reads
# params_ema when present, else params.
RELEASED = {
    "RealESRGAN_x4plus": ("params_ema", dict(RRDB, num_blocks=23, upscale_factor=4)),
    "RealESRNet_x4plus": ("params_ema", dict(RRDB, num_blocks=23, upscale_factor=4)),
    "RealESRGAN_x4plus_anime_6B": ("params_ema", dict(RRDB, num_blocks=6, upscale_factor=4)),
    "RealESRGAN_x2plus": ("params_ema", dict(RRDB, num_blocks=23, upscale_factor=2)),
    "realesr-general-x4v3": ("params", dict(SRVGG, num_convs=32)),
    "realesr-general-wdn-x4v3": ("params", dict(SRVGG, num_convs=32)),
    "realesr-animevideov3": ("params", dict(SRVGG, num_convs=16)),
}


def released(tmp_path, name: str, seed: int = 0):
    """(path, source network) of a random-weight file in ``name``'s released layout."""
    key, arch = RELEASED[name]
    torch.manual_seed(seed)
    source = BACKBONES.build(arch).eval()
    for p in source.parameters():
        p.data.normal_(0, 0.05)
    path = tmp_path / f"{name}.pth"
    torch.save({key: source.state_dict()}, path)
    return path, source


@pytest.mark.parametrize("name", sorted(RELEASED))
def test_released_layout_is_told_apart_and_loads_identically(tmp_path, name):
    path, source = released(tmp_path, name)
    model, cfg = load_generator_and_arch(str(path))
    assert cfg == RELEASED[name][1]
    x = torch.rand(1, 3, 8, 10)
    with torch.no_grad():
        assert torch.equal(model(x), source(x))


def test_params_ema_wins_over_params(tmp_path):
    _, ema = released(tmp_path, "RealESRGAN_x2plus", seed=1)
    _, plain = released(tmp_path, "RealESRGAN_x2plus", seed=2)
    path = tmp_path / "both.pth"
    torch.save({"params": plain.state_dict(), "params_ema": ema.state_dict()}, path)
    x = torch.rand(1, 3, 6, 6)
    with torch.no_grad():
        assert torch.equal(load_generator(str(path))(x), ema(x))


def test_srzoo_upscale_with_x2plus(tmp_path):
    path, source = released(tmp_path, "RealESRGAN_x2plus")
    rng = np.random.default_rng(0)
    bgr = rng.integers(0, 256, (10, 12, 3), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / "in.png"), bgr)
    out = tmp_path / "out.png"
    assert main(["upscale", str(tmp_path / "in.png"), "-o", str(out), "--model", str(path)]) == 0
    x = torch.from_numpy(bgr[..., ::-1].copy()).permute(2, 0, 1)[None].float() / 255
    with torch.no_grad():
        sr = source(x)[0].clamp(0, 1).permute(1, 2, 0).numpy()[..., ::-1] * 255
    got = cv2.imread(str(out)).astype(np.float64)
    assert got.shape == (20, 24, 3)
    assert np.abs(got - sr).max() <= 0.5 + 1e-3  # rounding to 8 bits only


def test_denoise_strength_blend_of_general_x4v3_and_wdn(tmp_path, capsys):
    general_path, general = released(tmp_path, "realesr-general-x4v3", seed=3)
    wdn_path, wdn = released(tmp_path, "realesr-general-wdn-x4v3", seed=4)
    strength, out = 0.3, tmp_path / "dn0.3.pth"
    # Real-ESRGAN's inference: dni([general, wdn], [strength, 1 - strength]).
    argv = ["interpolate", str(wdn_path), str(general_path), "--alpha", str(strength)]
    assert main([*argv, "-o", str(out)]) == 0
    blended = load_checkpoint_file(out)["params"]
    a, b = general.state_dict(), wdn.state_dict()
    expected = {k: strength * a[k] + (1 - strength) * b[k] for k in a}
    assert blended.keys() == expected.keys()
    for key, value in expected.items():
        torch.testing.assert_close(blended[key], value, rtol=0, atol=1e-7)
    _, cfg = load_generator_and_arch(str(out))
    assert cfg == RELEASED["realesr-general-x4v3"][1]
    anime, _ = released(tmp_path, "realesr-animevideov3")
    capsys.readouterr()
    argv = ["interpolate", str(general_path), str(anime), "--alpha", "0.5"]
    assert main([*argv, "-o", str(tmp_path / "bad.pth")]) == 1
    assert "different architectures" in capsys.readouterr().err
