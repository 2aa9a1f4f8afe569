"""Tiled inference: seamless (equal to untiled within 1/255), bounded, OOM-tolerant."""

import pytest
import torch
from torch import nn

import srzoo.models  # noqa: F401
from srzoo.apis.tiling import tiled_forward
from srzoo.registry import BACKBONES


def rrdbnet(scale=4):
    torch.manual_seed(0)
    model = BACKBONES.build(
        dict(type="RRDBNet", mid_channels=8, num_blocks=1, growth_channels=4, upscale_factor=scale)
    )
    with torch.no_grad():  # outputs spanning ~[-1, 1], so 1/255 is a real bound
        model.conv_last.weight.mul_(10)
    return model.eval()


def image(h, w, seed=1):
    """An 8-bit image as a float tensor (1, 3, H, W)."""
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (1, 3, h, w), generator=gen).float() / 255


class SizeLimited(nn.Module):
    """Raises a simulated CUDA out-of-memory error for inputs larger than ``limit`` pixels."""

    def __init__(
        self, model, limit, error=torch.cuda.OutOfMemoryError, message="CUDA out of memory"
    ):
        super().__init__()
        self.model, self.limit, self.error, self.message = model, limit, error, message
        self.sizes = []

    def forward(self, x):
        self.sizes.append(tuple(x.shape[-2:]))
        if max(x.shape[-2:]) > self.limit:
            raise self.error(self.message)
        return self.model(x)


@pytest.mark.parametrize("scale", [4, 2, 1])
def test_tiled_equals_untiled_within_one_level(scale):
    model, x = rrdbnet(scale), image(44, 60)
    full = tiled_forward(model, x, scale=scale, tile=0)
    assert full.shape == (1, 3, 44 * scale, 60 * scale)
    assert full.abs().max() > 0.3
    calls = []
    progress = lambda done, total: calls.append((done, total))  # noqa: E731
    tiled = tiled_forward(model, x, scale=scale, tile=16, progress=progress)  # overlap 32
    assert (tiled - full).abs().max() <= 1 / 255
    assert calls[-1] == (12, 12) and len(calls) == 12  # 3 x 4 tiles
    naive = tiled_forward(model, x, scale=scale, tile=16, overlap=0)
    assert (naive - full).abs().max() > 1 / 255  # without context the seams show


def test_small_image_single_pass_and_device_windows_bounded():
    model = SizeLimited(rrdbnet(), limit=1000)
    x = image(20, 24)
    tiled_forward(model, x, scale=4, tile=64)
    assert model.sizes == [(20, 24)]
    model.sizes.clear()
    tiled_forward(model, image(64, 80), scale=4, tile=16, overlap=8)
    assert max(max(s) for s in model.sizes) <= 16 + 2 * 8


def test_oom_halves_the_tile_and_retries():
    model = SizeLimited(rrdbnet(), limit=40)
    x = image(64, 64)
    out = tiled_forward(model, x, scale=4, tile=64, overlap=8)
    full = tiled_forward(rrdbnet(), x, scale=4)
    assert (out - full).abs().max() <= 1 / 255
    tried = sorted({max(s) for s in model.sizes}, reverse=True)
    assert tried[0] == 64 and max(tried[1:]) <= 40  # 64 failed, then 32 + 2 * 8 windows


def test_runtime_error_oom_is_recognised_but_others_raise():
    model = SizeLimited(
        rrdbnet(), limit=30, error=RuntimeError, message="CUDA error: out of memory"
    )
    out = tiled_forward(model, image(32, 32), scale=4, tile=32, overlap=4)
    assert out.shape == (1, 3, 128, 128)

    class Broken(nn.Module):
        def forward(self, x):
            raise RuntimeError("shape mismatch")

    with pytest.raises(RuntimeError, match="shape mismatch"):
        tiled_forward(Broken(), image(32, 32), scale=4, tile=16)


def test_oom_at_min_tile_raises_clearly():
    model = SizeLimited(rrdbnet(), limit=4)
    with pytest.raises(RuntimeError, match="out of memory on cpu even with 16x16 tiles"):
        tiled_forward(model, image(64, 64), scale=4, tile=64, overlap=8)


def test_batch_and_output_channels():
    torch.manual_seed(0)
    model = BACKBONES.build(
        dict(type="MSRResNet", mid_channels=8, num_blocks=2, upscale_factor=3)
    ).eval()
    x = image(37, 41).repeat(2, 1, 1, 1)
    full = tiled_forward(model, x, scale=3)
    tiled = tiled_forward(model, x, scale=3, tile=16, overlap=16)
    assert tiled.shape == (2, 3, 111, 123)
    assert (tiled - full).abs().max() <= 1 / 255
