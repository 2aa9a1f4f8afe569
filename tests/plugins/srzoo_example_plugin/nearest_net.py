"""A tiny plugin backbone: nearest upsampling followed by one 3x3 convolution."""

import torch
import torch.nn.functional as F
from torch import nn

from srzoo.registry import BACKBONES


@BACKBONES.register_module()
class NearestConvNet(nn.Module):
    """Nearest-neighbour x``upscale_factor`` then a 3x3 conv: (N, C, h, w) -> (N, C, sh, sw)."""

    def __init__(self, *, in_channels: int = 3, upscale_factor: int = 4) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor
        self.conv = nn.Conv2d(in_channels, in_channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=self.upscale_factor, mode="nearest"))
