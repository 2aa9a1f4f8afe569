"""RRDBNet, the ESRGAN generator, with Real-ESRGAN's pixel-unshuffle x2 / x1 variants."""

import torch
import torch.nn.functional as F
from torch import nn

from srzoo.models.layers import (
    check_positive,
    check_upscale_factor,
    default_init_weights,
    make_layer,
    pad_to_multiple,
)
from srzoo.registry import BACKBONES

# Pixel-unshuffle factor applied to the input for each supported scale (Real-ESRGAN).
_UNSHUFFLE = {1: 4, 2: 2, 4: 1}


class ResidualDenseBlock(nn.Module):
    """Residual dense block of ESRGAN: five densely connected conv3x3 layers.

    ``x_k = lrelu(conv_k(cat(x, x_1, ..., x_{k-1})))`` for k < 5; the output is
    ``conv5(cat(...)) * 0.2 + x``. The convs start Kaiming-normal scaled by 0.1.

    Args:
        mid_channels: Channels of the block input and output.
        growth_channels: Channels each of conv1..conv4 adds.

    Shapes:
        (N, mid_channels, H, W) -> same.
    """

    def __init__(self, *, mid_channels: int, growth_channels: int) -> None:
        super().__init__()
        for k in range(1, 6):
            c_in = mid_channels + (k - 1) * growth_channels
            c_out = mid_channels if k == 5 else growth_channels
            setattr(self, f"conv{k}", nn.Conv2d(c_in, c_out, 3, padding=1))
        self.lrelu = nn.LeakyReLU(0.2, inplace=True)
        default_init_weights(self, scale=0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the dense block with residual scaling 0.2."""
        feats = [x]
        for k in range(1, 5):
            conv = getattr(self, f"conv{k}")
            feats.append(self.lrelu(conv(torch.cat(feats, dim=1))))
        return self.conv5(torch.cat(feats, dim=1)) * 0.2 + x


class RRDB(nn.Module):
    """Residual-in-residual dense block: three RDBs, output ``rdb3(rdb2(rdb1(x))) * 0.2 + x``.

    Args:
        mid_channels: Channels of the block input and output.
        growth_channels: Growth channels of each dense block.

    Shapes:
        (N, mid_channels, H, W) -> same.
    """

    def __init__(self, *, mid_channels: int, growth_channels: int) -> None:
        super().__init__()
        self.rdb1 = ResidualDenseBlock(mid_channels=mid_channels, growth_channels=growth_channels)
        self.rdb2 = ResidualDenseBlock(mid_channels=mid_channels, growth_channels=growth_channels)
        self.rdb3 = ResidualDenseBlock(mid_channels=mid_channels, growth_channels=growth_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the three dense blocks with residual scaling 0.2."""
        return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x


@BACKBONES.register_module()
class RRDBNet(nn.Module):
    """RRDBNet, the ESRGAN generator (Wang et al., ECCV Workshops 2018, arXiv 1809.00219).

    conv_first -> ``num_blocks`` RRDBs -> conv_body, plus a long skip from conv_first; two
    (nearest x2, conv3x3, LeakyReLU(0.2)) steps; conv_hr + LeakyReLU; conv_last. No batch
    norm. Keys follow BasicSR (``conv_first``, ``body.N.rdb1.conv1``, ``conv_body``,
    ``conv_up1``, ``conv_up2``, ``conv_hr``, ``conv_last``), so BasicSR and Real-ESRGAN
    weights load with ``strict=True``.

    Scale 4 is native. Scales 2 and 1 follow Real-ESRGAN: the input is pixel-unshuffled by
    2 (or 4) first, so ``conv_first`` takes ``in_channels * 4`` (or ``* 16``) channels. An
    input whose height or width is not a multiple of that factor is reflect-padded
    (bottom/right) to the next multiple and the output cropped back to ``s * H`` x ``s * W``.

    Initialisation: the dense-block convs, which hold nearly all weights, are Kaiming-normal
    scaled by 0.1 (the paper's smaller initialisation, as in its reference code); the outer
    convs keep PyTorch's default initialisation, like BasicSR.

    Args:
        in_channels: Channels of the LR input. Default: 3.
        out_channels: Channels of the SR output. Default: 3.
        mid_channels: Feature channels. Default: 64.
        num_blocks: Number of RRDB blocks. Default: 23.
        growth_channels: Growth channels of the dense blocks. Default: 32.
        upscale_factor: 1, 2 or 4. Default: 4.

    Raises:
        ValueError: For an unsupported ``upscale_factor`` or a non-positive size.

    Shapes:
        (N, in_channels, H, W) -> (N, out_channels, H * s, W * s).
    """

    def __init__(
        self,
        *,
        in_channels: int = 3,
        out_channels: int = 3,
        mid_channels: int = 64,
        num_blocks: int = 23,
        growth_channels: int = 32,
        upscale_factor: int = 4,
    ) -> None:
        super().__init__()
        self.upscale_factor = check_upscale_factor("RRDBNet", upscale_factor, tuple(_UNSHUFFLE))
        sizes = dict(
            in_channels=in_channels,
            out_channels=out_channels,
            mid_channels=mid_channels,
            growth_channels=growth_channels,
        )
        check_positive("RRDBNet", sizes)
        self.unshuffle = _UNSHUFFLE[upscale_factor]
        self.conv_first = nn.Conv2d(in_channels * self.unshuffle**2, mid_channels, 3, padding=1)
        self.body = make_layer(
            lambda: RRDB(mid_channels=mid_channels, growth_channels=growth_channels), num_blocks
        )
        self.conv_body = nn.Conv2d(mid_channels, mid_channels, 3, padding=1)
        self.conv_up1 = nn.Conv2d(mid_channels, mid_channels, 3, padding=1)
        self.conv_up2 = nn.Conv2d(mid_channels, mid_channels, 3, padding=1)
        self.conv_hr = nn.Conv2d(mid_channels, mid_channels, 3, padding=1)
        self.conv_last = nn.Conv2d(mid_channels, out_channels, 3, padding=1)
        self.lrelu = nn.LeakyReLU(0.2, inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Super-resolve ``x`` (N, C_in, H, W) to (N, C_out, sH, sW)."""
        h, w = x.shape[-2:]
        feat = x
        if self.unshuffle > 1:
            feat = F.pixel_unshuffle(pad_to_multiple(x, self.unshuffle), self.unshuffle)
        feat = self.conv_first(feat)
        feat = feat + self.conv_body(self.body(feat))
        feat = self.lrelu(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")))
        feat = self.lrelu(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")))
        out = self.conv_last(self.lrelu(self.conv_hr(feat)))
        s = self.upscale_factor
        return out[..., : h * s, : w * s]
