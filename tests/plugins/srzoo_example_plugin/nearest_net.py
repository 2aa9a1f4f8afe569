"""A tiny plugin backbone that declares srzoo's per-architecture contract (``srzoo.arch``).

It subclasses :class:`srzoo.arch.SRArch` and declares ``scales``, ``input_multiple`` and
``detect``; with that alone, ``load_generator``, ``srzoo upscale``, ``srzoo export``
(safetensors and ONNX) and tiling handle it like a built-in network, with no edit to srzoo.
"""

from typing import Any, Dict, Mapping, Optional

import torch
import torch.nn.functional as F
from torch import nn

from srzoo.arch import SRArch, forward_padded
from srzoo.registry import BACKBONES

# Pixel-unshuffle factor of the input, so H and W must be multiples of it (padded otherwise).
UNSHUFFLE = 2


@BACKBONES.register_module()
class NearestConvNet(SRArch):
    """Nearest-neighbour upsampling plus a learned sub-pixel residual.

    ``out = nearest_s(x) + PixelShuffle(2s)(conv3x3(PixelUnshuffle(2)(x)))``. The conv
    ``nearest_conv`` maps ``4C`` to ``4C * s * s`` channels, so its weight shape alone
    reveals both ``in_channels`` and the scale (:meth:`detect` is exact). Inputs whose
    height or width is odd are padded to even (bottom/right) and the output cropped.

    Args:
        in_channels: Channels of the input and the output. Default: 3.
        upscale_factor: 2, 3 or 4. Default: 4.

    Raises:
        ValueError: For an unsupported ``upscale_factor`` (checked by ``SRArch``).

    Shapes:
        (N, C, H, W) -> (N, C, sH, sW), any H and W.
    """

    scales = (2, 3, 4)

    def __init__(self, *, in_channels: int = 3, upscale_factor: int = 4) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor
        packed = in_channels * UNSHUFFLE**2
        self.nearest_conv = nn.Conv2d(packed, packed * upscale_factor**2, 3, padding=1)

    @classmethod
    def input_multiple(cls, scale: int) -> int:
        """The pixel-unshuffle factor, 2, at every scale."""
        return UNSHUFFLE

    @classmethod
    def detect(cls, state_dict: Mapping[str, torch.Tensor]) -> Optional[Dict[str, Any]]:
        """``in_channels`` and ``upscale_factor`` from ``nearest_conv``'s weight shape.

        Returns:
            The constructor arguments, or None when the keys or shapes are not this net's.
        """
        if set(state_dict) != {"nearest_conv.weight", "nearest_conv.bias"}:
            return None
        c_out, c_in = state_dict["nearest_conv.weight"].shape[:2]
        ratio = c_out // c_in if c_in and c_out % c_in == 0 else 0
        scale = round(ratio**0.5)
        if c_in % UNSHUFFLE**2 or scale * scale != ratio or scale not in cls.scales:
            return None
        return dict(in_channels=c_in // UNSHUFFLE**2, upscale_factor=scale)

    def _body(self, x: torch.Tensor) -> torch.Tensor:
        s = self.upscale_factor
        residual = self.nearest_conv(F.pixel_unshuffle(x, UNSHUFFLE))
        base = F.interpolate(x, scale_factor=s, mode="nearest")
        return base + F.pixel_shuffle(residual, UNSHUFFLE * s)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Super-resolve ``x`` (N, C, H, W) to (N, C, sH, sW)."""
        return forward_padded(self._body, x, UNSHUFFLE, self.upscale_factor)
