"""RCAN (Zhang et al., ECCV 2018): residual groups of residual channel-attention blocks."""

import re
from typing import Any, Collection, Dict, Mapping, Optional, Sequence

import torch
from torch import nn

from srzoo.arch import KeyLayout, SRArch, StateDict, count_blocks, rename_keys
from srzoo.models.backbones.edsr import (
    SubPixelUpsample,
    drop_mean_shift,
    mean_buffer,
    upsample_scale,
)
from srzoo.models.layers import check_positive, make_layer
from srzoo.registry import BACKBONES

_RCAB = r"body\.\d+\.residual_group\.\d+\.rcab\.(0|2|3\.attention\.[13])"
_RCAN_KEY = re.compile(
    rf"(conv_first|conv_after_body|conv_last|upsample\.\d+|body\.\d+\.conv|{_RCAB})"
)


def _is_rcan_official(keys: Collection[str]) -> bool:
    return "head.0.weight" in keys and any(".conv_du." in k for k in keys)


def _from_rcan_official(state_dict: StateDict) -> StateDict:
    """yulunzhang/RCAN's keys (``head.0``, ``body.G.body.B.body.{0,2}``,
    ``body.G.body.B.body.3.conv_du.{0,2}``, ``body.G.body.<n>``, ``body.<g>``, ``tail``)
    renamed to BasicSR's; the mean-shift layers dropped."""
    block = r"^body\.(\d+)\.body\.(\d+)\.body\."
    group = r"body.\1.residual_group.\2.rcab."
    rules = [
        (r"^head\.0\.", "conv_first."),
        (block + r"3\.conv_du\.0\.", group + "3.attention.1."),
        (block + r"3\.conv_du\.2\.", group + "3.attention.3."),
        (block + r"([02])\.", group + r"\3."),
        (r"^body\.(\d+)\.body\.\d+\.(weight|bias)$", r"body.\1.conv.\2"),
        (r"^body\.\d+\.(weight|bias)$", r"conv_after_body.\1"),
        (r"^tail\.0\.", "upsample."),
        (r"^tail\.1\.", "conv_last."),
    ]
    return rename_keys(drop_mean_shift(state_dict, "RCAN"), rules)


# The official release (yulunzhang/RCAN, RCAN_BIX2.pt ... RCAN_BIX8.pt).
RCAN_OFFICIAL = KeyLayout("rcan_official", _is_rcan_official, _from_rcan_official)


class ChannelAttention(nn.Module):
    """Squeeze-and-excitation channel attention: ``x * sigmoid(conv(relu(conv(avgpool(x)))))``.

    Args:
        channels: Feature channels C.
        squeezed: Channels of the bottleneck (C // reduction).

    Shapes:
        (N, C, H, W) -> same.
    """

    def __init__(self, *, channels: int, squeezed: int) -> None:
        super().__init__()
        self.attention = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(channels, squeezed, 1),
            nn.ReLU(inplace=True),
            nn.Conv2d(squeezed, channels, 1),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Rescale the channels of ``x``."""
        return x * self.attention(x)


class RCAB(nn.Module):
    """Residual channel-attention block: ``x + CA(conv(relu(conv(x))))``. (N, C, H, W) -> same."""

    def __init__(self, *, channels: int, squeezed: int) -> None:
        super().__init__()
        self.rcab = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, 3, padding=1),
            ChannelAttention(channels=channels, squeezed=squeezed),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block."""
        return x + self.rcab(x)


class ResidualGroup(nn.Module):
    """``num_blocks`` RCABs and a conv3x3, with a skip around them. (N, C, H, W) -> same."""

    def __init__(self, *, channels: int, squeezed: int, num_blocks: int) -> None:
        super().__init__()
        block = lambda: RCAB(channels=channels, squeezed=squeezed)  # noqa: E731
        self.residual_group = make_layer(block, num_blocks)
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the group."""
        return x + self.conv(self.residual_group(x))


@BACKBONES.register_module()
class RCAN(SRArch):
    """RCAN (Zhang et al., "Image Super-Resolution Using Very Deep Residual Channel Attention
    Networks", ECCV 2018, arXiv 1807.02758; reference code yulunzhang/RCAN, BasicSR).

    Residual in residual: ``num_groups`` residual groups, each of ``num_blocks`` residual
    channel-attention blocks (conv-ReLU-conv, then channel attention squeezing by
    ``squeeze_factor``) and a conv, with short skips; conv_after_body with the long skip;
    sub-pixel upsampling and conv_last. Like EDSR it works on [0, 255] after subtracting
    the DIV2K mean. Keys are BasicSR's (``body.G.residual_group.B.rcab.{0,2}``,
    ``...rcab.3.attention.{1,3}``, ``body.G.conv``, ``conv_after_body``, ``upsample.K``);
    the official release's are read through :data:`RCAN_OFFICIAL`.

    Args:
        in_channels: Channels of the LR input. Default: 3.
        out_channels: Channels of the output; must equal ``in_channels``. Default: 3.
        mid_channels: Feature channels. Default: 64.
        num_groups: Residual groups. Default: 10.
        num_blocks: RCABs per group. Default: 20.
        squeeze_factor: Channel-attention reduction; the bottleneck has
            ``max(1, mid_channels // squeeze_factor)`` channels. Default: 16.
        upscale_factor: 2, 3, 4 or 8. Default: 4.
        img_range: Pixel range the network works on. Default: 255.0.
        rgb_mean: Mean subtracted from the input and added to the output. Default: None
            (DIV2K's RGB mean for 3 channels, else 0).

    Raises:
        ValueError: For an unsupported scale, a non-positive size, ``in_channels !=
            out_channels`` or an ``rgb_mean`` of the wrong length.

    Shapes:
        (N, in_channels, H, W) in [0, 1] -> (N, out_channels, s * H, s * W).
    """

    scales = (2, 3, 4, 8)
    key_layouts = (RCAN_OFFICIAL,)

    def __init__(
        self,
        *,
        in_channels: int = 3,
        out_channels: int = 3,
        mid_channels: int = 64,
        num_groups: int = 10,
        num_blocks: int = 20,
        squeeze_factor: int = 16,
        upscale_factor: int = 4,
        img_range: float = 255.0,
        rgb_mean: Optional[Sequence[float]] = None,
    ) -> None:
        super().__init__()
        sizes = dict(
            in_channels=in_channels,
            out_channels=out_channels,
            mid_channels=mid_channels,
            squeeze_factor=squeeze_factor,
        )
        check_positive("RCAN", sizes)
        if in_channels != out_channels:
            raise ValueError(f"RCAN: in_channels {in_channels} != out_channels {out_channels}")
        self.img_range = float(img_range)
        self.register_buffer("mean", mean_buffer(in_channels, rgb_mean, "RCAN"), persistent=False)
        squeezed = max(1, mid_channels // squeeze_factor)
        self.conv_first = nn.Conv2d(in_channels, mid_channels, 3, padding=1)
        group = lambda: ResidualGroup(  # noqa: E731
            channels=mid_channels, squeezed=squeezed, num_blocks=num_blocks
        )
        self.body = make_layer(group, num_groups)
        self.conv_after_body = nn.Conv2d(mid_channels, mid_channels, 3, padding=1)
        self.upsample = SubPixelUpsample(channels=mid_channels, scale=upscale_factor)
        self.conv_last = nn.Conv2d(mid_channels, out_channels, 3, padding=1)

    @classmethod
    def detect(cls, state_dict: Mapping[str, torch.Tensor]) -> Optional[Dict[str, Any]]:
        """Recognised when every key is one of RCAN's; groups, blocks, channels and the
        squeeze from the shapes, the scale from the upsampler."""
        needed = {"conv_first.weight", "conv_after_body.weight", "conv_last.weight"}
        if not needed | {"body.0.conv.weight", "upsample.0.weight"} <= set(state_dict):
            return None
        if not all(_RCAN_KEY.fullmatch(k.rsplit(".", 1)[0]) for k in state_dict):
            return None
        first = state_dict["conv_first.weight"]
        mid = first.shape[0]
        blocks = count_blocks(state_dict, "body.0.residual_group.")
        attention = state_dict.get("body.0.residual_group.0.rcab.3.attention.1.weight")
        return dict(
            in_channels=first.shape[1],
            out_channels=state_dict["conv_last.weight"].shape[0],
            mid_channels=mid,
            num_groups=count_blocks(state_dict),
            num_blocks=blocks,
            squeeze_factor=mid // attention.shape[0] if attention is not None else 16,
            upscale_factor=upsample_scale(state_dict, "upsample.", mid),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Super-resolve ``x`` (N, C, H, W) in [0, 1] to (N, C, sH, sW)."""
        feat = self.conv_first((x - self.mean) * self.img_range)
        feat = feat + self.conv_after_body(self.body(feat))
        return self.conv_last(self.upsample(feat)) / self.img_range + self.mean
