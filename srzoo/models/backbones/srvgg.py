"""SRVGGNetCompact, Real-ESRGAN's compact VGG-style generator."""

import re
from typing import Any, Dict, List, Mapping, Optional

import torch
import torch.nn.functional as F
from torch import nn

from srzoo.arch import SRArch
from srzoo.errors import WeightsError
from srzoo.models.layers import check_positive
from srzoo.registry import BACKBONES

ACTIVATIONS = ("prelu", "relu", "leakyrelu")
_KEY = re.compile(r"body\.(\d+)\.(weight|bias)")


def _activation(act_type: str, channels: int) -> nn.Module:
    if act_type == "prelu":
        return nn.PReLU(num_parameters=channels)
    if act_type == "relu":
        return nn.ReLU(inplace=True)
    return nn.LeakyReLU(negative_slope=0.1, inplace=True)


@BACKBONES.register_module()
class SRVGGNetCompact(SRArch):
    """The compact SR network of Real-ESRGAN (Wang et al., ICCVW 2021, arXiv 2107.10833).

    conv3x3 (in -> mid) + activation, ``num_convs`` x (conv3x3 mid -> mid + activation),
    conv3x3 (mid -> out * s^2), pixel shuffle by s; the nearest-upsampled input is added,
    so the network learns the residual. All convolutions run at the LR size. The layers sit
    in one ``body`` list, as in BasicSR's ``srvgg_arch.py``, so the released Real-ESRGAN
    weights (``realesr-general-x4v3``, ``realesr-general-wdn-x4v3``: 64 channels, 32 convs;
    ``realesr-animevideov3``: 16 convs; all PReLU, under ``params``) load with
    ``strict=True``. PReLU layers hold weights (``body.<odd>.weight``); ReLU and LeakyReLU
    (slope 0.1) have none but keep their index.

    Args:
        in_channels: Channels of the LR input. Default: 3.
        out_channels: Channels of the SR output; equal to ``in_channels`` for the residual.
            Default: 3.
        mid_channels: Feature channels. Default: 64.
        num_convs: Convolutions between the first and the last. Default: 16.
        upscale_factor: 1, 2, 3 or 4. Default: 4.
        act_type: ``"prelu"``, ``"relu"`` or ``"leakyrelu"``. Default: ``"prelu"``.

    Raises:
        ValueError: An unsupported scale or activation, a non-positive size, or
            ``out_channels != in_channels``.

    Shapes:
        (N, in_channels, H, W) -> (N, out_channels, sH, sW).
    """

    scales = (1, 2, 3, 4)

    def __init__(
        self,
        *,
        in_channels: int = 3,
        out_channels: int = 3,
        mid_channels: int = 64,
        num_convs: int = 16,
        upscale_factor: int = 4,
        act_type: str = "prelu",
    ) -> None:
        super().__init__()
        sizes = dict(in_channels=in_channels, out_channels=out_channels, mid_channels=mid_channels)
        check_positive("SRVGGNetCompact", sizes)
        if act_type not in ACTIVATIONS:
            raise ValueError(f"act_type must be one of {ACTIVATIONS}, got {act_type!r}")
        if out_channels != in_channels or num_convs < 0:
            raise ValueError(
                "SRVGGNetCompact adds the upsampled input to its output, so it needs "
                f"out_channels == in_channels and num_convs >= 0; got {out_channels}, "
                f"{in_channels} and {num_convs}"
            )
        self.upscale_factor = upscale_factor
        layers: List[nn.Module] = [nn.Conv2d(in_channels, mid_channels, 3, padding=1)]
        layers.append(_activation(act_type, mid_channels))
        for _ in range(num_convs):
            layers.append(nn.Conv2d(mid_channels, mid_channels, 3, padding=1))
            layers.append(_activation(act_type, mid_channels))
        last = out_channels * upscale_factor**2
        layers.append(nn.Conv2d(mid_channels, last, 3, padding=1))
        self.body = nn.ModuleList(layers)
        self.upsampler = nn.PixelShuffle(upscale_factor)

    @classmethod
    def detect(cls, state_dict: Mapping[str, torch.Tensor]) -> Optional[Dict[str, Any]]:
        """Recognised when every key is ``body.<i>.weight`` / ``body.<i>.bias``, 4-D conv
        weights alternating with activations. Convs and channels from the shapes, the scale
        from the last conv (``out * s^2`` channels), PReLU from its 1-D weights.

        ReLU and LeakyReLU hold no weights, so they cannot be told apart: weights without
        PReLU are read as ``"leakyrelu"``; pass ``arch=dict(act_type="relu")`` otherwise.
        """
        matches = [_KEY.fullmatch(k) for k in state_dict]
        if not state_dict or not all(matches) or "body.0.weight" not in state_dict:
            return None
        convs = sorted({int(m.group(1)) for m in matches if state_dict[m.group(0)].dim() == 4})
        if convs != list(range(0, 2 * len(convs), 2)) or len(convs) < 2:
            return None
        first, last = state_dict["body.0.weight"], state_dict[f"body.{convs[-1]}.weight"]
        in_c = first.shape[1]
        scale = round((last.shape[0] / in_c) ** 0.5)
        if last.shape[0] != in_c * scale**2 or scale not in cls.scales:
            raise WeightsError(
                f"SRVGGNetCompact's last conv has {last.shape[0]} channels for {in_c} input "
                f"channels: not in_channels * s^2 for s in {cls.scales}"
            )
        return dict(
            in_channels=in_c,
            out_channels=in_c,
            mid_channels=first.shape[0],
            num_convs=len(convs) - 2,
            upscale_factor=scale,
            act_type="prelu" if "body.1.weight" in state_dict else "leakyrelu",
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Super-resolve ``x`` (N, C, H, W) to (N, C, sH, sW); any H and W."""
        out = x
        for layer in self.body:
            out = layer(out)
        base = F.interpolate(x, scale_factor=float(self.upscale_factor), mode="nearest")
        return self.upsampler(out) + base
