"""By default srzoo upscale keeps a clean alpha clean: a real binary mask stays binary
where it was opaque or transparent, within a point of share, with smooth edges."""

import numpy as np
import pytest
import skimage.data
import torch

import srzoo.models  # noqa: F401
from srzoo.apis import Upscaler
from srzoo.registry import BACKBONES


@pytest.fixture(scope="module")
def rgba() -> np.ndarray:
    """scikit-image's astronaut under its binary horse silhouette (a real 0/255 mask)."""
    mask = skimage.data.horse()[::2, ::2]  # (164, 200) bool, True = background
    photo = skimage.data.astronaut()[: 2 * mask.shape[0] : 2, : 2 * mask.shape[1] : 2]
    alpha = np.where(mask, 0, 255).astype(np.uint8)
    return np.dstack([photo, alpha])


def shares(alpha: np.ndarray, top: int) -> tuple:
    return float((alpha == top).mean()), float((alpha == 0).mean())


@pytest.mark.parametrize("depth", [np.uint8, np.uint16])
def test_default_keeps_a_binary_alpha(rgba, depth):
    torch.manual_seed(0)
    model = BACKBONES.build(
        dict(type="RRDBNet", mid_channels=8, num_blocks=1, growth_channels=4, upscale_factor=4)
    )
    top = np.iinfo(depth).max
    img = rgba.astype(depth) * (257 if depth == np.uint16 else 1)
    out = Upscaler(model).upscale(img)[..., 3]
    opaque, clear = shares(img[..., 3], top)
    opaque_out, clear_out = shares(out, top)
    assert 0.2 < opaque < 0.8
    assert abs(opaque_out - opaque) < 0.01 and abs(clear_out - clear) < 0.01
    values = np.unique(out)
    assert len(values) > 2  # smooth edges, not a nearest-neighbour staircase
    inner = out[8:-8, 8:-8]
    assert ((inner > top * 0.02) & (inner < top * 0.98)).mean() < 0.05  # edges stay thin
