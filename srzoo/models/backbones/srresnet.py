"""SRResNet generators: the SRGAN paper's network and BasicSR's modified MSRResNet."""

from typing import Any, Dict, Mapping, Optional

import torch
import torch.nn.functional as F
from torch import nn

from srzoo.arch import KeyLayout, SRArch, count_blocks
from srzoo.errors import WeightsError
from srzoo.models.layers import check_positive, default_init_weights, make_layer
from srzoo.registry import BACKBONES

# MMagic's (and the old mmsr's) MSRResNet names its blocks trunk_net.N
# (docs/checkpoint_layouts.md).
MMAGIC_MSRRESNET = KeyLayout.by_prefix(
    "mmagic",
    ("trunk_net.", "recon_trunk.", "upsample1.upsample_conv."),
    [
        (r"^(?:trunk_net|recon_trunk)\.(\d+)\.", r"body.\1."),
        (r"^upsample(\d)\.upsample_conv\.", r"upconv\1."),
        (r"^HRconv\.", "conv_hr."),
    ],
)


def _upsample_scale(ratio: int, steps: int) -> int:
    """Scale of a sub-pixel upsampler from its conv's channel ratio and number of steps."""
    scale = 4 if steps == 2 else {4: 2, 9: 3}.get(ratio)
    if scale is None:
        raise WeightsError(f"unsupported upsampler: {steps} step(s), channel ratio {ratio}")
    return scale


def _sizes(state_dict: Mapping[str, torch.Tensor]) -> Dict[str, int]:
    """Channels and blocks common to both SRResNets, from ``conv_first`` / ``conv_last``."""
    first = state_dict["conv_first.weight"]
    return dict(
        in_channels=first.shape[1],
        out_channels=state_dict["conv_last.weight"].shape[0],
        mid_channels=first.shape[0],
        num_blocks=count_blocks(state_dict),
    )


class _BNResidualBlock(nn.Module):
    """SRGAN residual block: conv3x3-BN-PReLU-conv3x3-BN plus identity. (N, C, H, W) -> same."""

    def __init__(self, *, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.act = nn.PReLU()
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``x + bn2(conv2(act(bn1(conv1(x)))))``."""
        return x + self.bn2(self.conv2(self.act(self.bn1(self.conv1(x)))))


class _SubPixelUpsample(nn.Module):
    """Sub-pixel step: conv3x3 to C*r^2 channels, PixelShuffle(r), PReLU.

    Shapes: (N, C, H, W) -> (N, C, rH, rW).
    """

    def __init__(self, *, channels: int, factor: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels * factor * factor, 3, padding=1)
        self.shuffle = nn.PixelShuffle(factor)
        self.act = nn.PReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Upsample ``x`` by the block's factor."""
        return self.act(self.shuffle(self.conv(x)))


@BACKBONES.register_module()
class SRResNet(SRArch):
    """SRResNet, the generator of SRGAN (Ledig et al., CVPR 2017, arXiv 1609.04802).

    conv9x9 + PReLU head, ``num_blocks`` residual blocks (conv3x3-BN-PReLU-conv3x3-BN +
    identity), conv3x3 + BN with a long skip to the head output, sub-pixel upsampling
    (conv3x3 -> PixelShuffle(2) -> PReLU per x2 step; a single PixelShuffle(3) step for x3)
    and a conv9x9 tail. State-dict keys: ``conv_first``, ``act_first``, ``body.N.conv1/bn1/
    act/conv2/bn2``, ``conv_body``, ``bn_body``, ``upsample.N.conv/act``, ``conv_last``.

    Args:
        in_channels: Channels of the LR input. Default: 3.
        out_channels: Channels of the SR output. Default: 3.
        mid_channels: Feature channels. Default: 64.
        num_blocks: Number of residual blocks. Default: 16.
        upscale_factor: 2, 3 or 4. Default: 4.

    Raises:
        ValueError: For an unsupported ``upscale_factor`` or a non-positive size.

    Shapes:
        (N, in_channels, H, W) -> (N, out_channels, H * s, W * s).
    """

    scales = (2, 3, 4)

    def __init__(
        self,
        *,
        in_channels: int = 3,
        out_channels: int = 3,
        mid_channels: int = 64,
        num_blocks: int = 16,
        upscale_factor: int = 4,
    ) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor
        sizes = dict(in_channels=in_channels, out_channels=out_channels, mid_channels=mid_channels)
        check_positive("SRResNet", sizes)
        self.conv_first = nn.Conv2d(in_channels, mid_channels, 9, padding=4)
        self.act_first = nn.PReLU()
        self.body = make_layer(lambda: _BNResidualBlock(channels=mid_channels), num_blocks)
        self.conv_body = nn.Conv2d(mid_channels, mid_channels, 3, padding=1, bias=False)
        self.bn_body = nn.BatchNorm2d(mid_channels)
        factors = [3] if upscale_factor == 3 else [2] * (upscale_factor // 2)
        self.upsample = nn.Sequential(
            *(_SubPixelUpsample(channels=mid_channels, factor=f) for f in factors)
        )
        self.conv_last = nn.Conv2d(mid_channels, out_channels, 9, padding=4)
        default_init_weights(self)

    @classmethod
    def detect(cls, state_dict: Mapping[str, torch.Tensor]) -> Optional[Dict[str, Any]]:
        """Recognised by ``bn_body``; the scale from its ``upsample.N.conv`` steps."""
        if not {"conv_first.weight", "bn_body.weight", "upsample.0.conv.weight"} <= set(state_dict):
            return None
        sizes = _sizes(state_dict)
        steps = count_blocks(state_dict, "upsample.")
        ratio = state_dict["upsample.0.conv.weight"].shape[0] // sizes["mid_channels"]
        return dict(sizes, upscale_factor=_upsample_scale(ratio, steps))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Super-resolve ``x`` (N, C_in, H, W) to (N, C_out, sH, sW)."""
        feat = self.act_first(self.conv_first(x))
        out = self.bn_body(self.conv_body(self.body(feat))) + feat
        return self.conv_last(self.upsample(out))


class _ResidualBlockNoBN(nn.Module):
    """EDSR-style residual block: conv3x3-ReLU-conv3x3 plus identity. (N, C, H, W) -> same."""

    def __init__(self, *, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``x + conv2(relu(conv1(x)))``."""
        return x + self.conv2(self.relu(self.conv1(x)))


@BACKBONES.register_module()
class MSRResNet(SRArch):
    """Modified SRResNet (BasicSR / MMEditing), after SRGAN (Ledig et al., CVPR 2017).

    No batch norm: conv3x3 head, ``num_blocks`` conv-ReLU-conv residual blocks, sub-pixel
    upsampling (``upconv1`` [+ ``upconv2`` for x4], PixelShuffle, LeakyReLU(0.1)),
    ``conv_hr`` and ``conv_last``; the output is added to the bilinearly upsampled input.
    State-dict keys equal BasicSR's, so its checkpoints load with ``strict=True``. Weights
    start Kaiming-normal scaled by 0.1, as in BasicSR.

    Args:
        in_channels: Channels of the LR input. Default: 3.
        out_channels: Channels of the SR output; must equal ``in_channels`` for the global
            skip. Default: 3.
        mid_channels: Feature channels. Default: 64.
        num_blocks: Number of residual blocks. Default: 16.
        upscale_factor: 2, 3 or 4. Default: 4.

    Raises:
        ValueError: For an unsupported ``upscale_factor``, a non-positive size, or
            ``in_channels != out_channels``.

    Shapes:
        (N, in_channels, H, W) -> (N, out_channels, H * s, W * s).
    """

    scales = (2, 3, 4)
    key_layouts = (MMAGIC_MSRRESNET,)

    def __init__(
        self,
        *,
        in_channels: int = 3,
        out_channels: int = 3,
        mid_channels: int = 64,
        num_blocks: int = 16,
        upscale_factor: int = 4,
    ) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor
        sizes = dict(in_channels=in_channels, out_channels=out_channels, mid_channels=mid_channels)
        check_positive("MSRResNet", sizes)
        if in_channels != out_channels:
            raise ValueError(
                "MSRResNet adds the upsampled input to its output, so in_channels must equal "
                f"out_channels, got {in_channels} and {out_channels}"
            )
        self.conv_first = nn.Conv2d(in_channels, mid_channels, 3, padding=1)
        self.body = make_layer(lambda: _ResidualBlockNoBN(channels=mid_channels), num_blocks)
        first_factor = 2 if upscale_factor == 4 else upscale_factor
        self.upconv1 = nn.Conv2d(mid_channels, mid_channels * first_factor**2, 3, padding=1)
        self.pixel_shuffle = nn.PixelShuffle(first_factor)
        if upscale_factor == 4:
            self.upconv2 = nn.Conv2d(mid_channels, mid_channels * 4, 3, padding=1)
        self.conv_hr = nn.Conv2d(mid_channels, mid_channels, 3, padding=1)
        self.conv_last = nn.Conv2d(mid_channels, out_channels, 3, padding=1)
        self.lrelu = nn.LeakyReLU(0.1, inplace=True)
        default_init_weights(self, scale=0.1)

    @classmethod
    def detect(cls, state_dict: Mapping[str, torch.Tensor]) -> Optional[Dict[str, Any]]:
        """Recognised by ``upconv1``: x4 if ``upconv2`` exists, else x2 / x3 from
        ``upconv1``'s 4x / 9x output channels."""
        keys = set(state_dict)
        if not {"conv_first.weight", "upconv1.weight", "conv_last.weight"} <= keys:
            return None
        sizes = _sizes(state_dict)
        ratio = state_dict["upconv1.weight"].shape[0] // sizes["mid_channels"]
        steps = 2 if "upconv2.weight" in keys else 1
        return dict(sizes, upscale_factor=_upsample_scale(ratio, steps))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Super-resolve ``x`` (N, C, H, W) to (N, C, sH, sW)."""
        feat = self.body(self.lrelu(self.conv_first(x)))
        feat = self.lrelu(self.pixel_shuffle(self.upconv1(feat)))
        if self.upscale_factor == 4:
            feat = self.lrelu(self.pixel_shuffle(self.upconv2(feat)))
        out = self.conv_last(self.lrelu(self.conv_hr(feat)))
        base = F.interpolate(
            x, scale_factor=self.upscale_factor, mode="bilinear", align_corners=False
        )
        return out + base
