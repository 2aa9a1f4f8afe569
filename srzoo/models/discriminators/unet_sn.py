"""UNetDiscriminatorSN, Real-ESRGAN's U-Net discriminator with spectral normalisation."""

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import spectral_norm

from srzoo.models.layers import check_positive
from srzoo.registry import DISCRIMINATORS


def _sn_conv(c_in: int, c_out: int, kernel_size: int, stride: int) -> nn.Conv2d:
    """A bias-free conv with spectral norm (keys ``weight_orig``, ``weight_u``, ``weight_v``)."""
    conv = nn.Conv2d(c_in, c_out, kernel_size, stride, padding=1, bias=False)
    return spectral_norm(conv)


def _lrelu(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, negative_slope=0.2, inplace=True)


def _up2(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


@DISCRIMINATORS.register_module()
class UNetDiscriminatorSN(nn.Module):
    """U-Net discriminator of Real-ESRGAN (Wang et al., ICCVW 2021, arXiv 2107.10833).

    conv0 (3x3) -> three stride-2 4x4 convs (channels x2, x4, x8 of ``mid_channels``) ->
    three (bilinear x2 upsampling, 3x3 conv) steps back to full size, each adding the
    encoder feature of its size when ``skip_connection`` -> two 3x3 convs -> conv9 to one
    channel. LeakyReLU(0.2) after every conv but the last. conv1..conv8 are bias-free and
    spectrally normalised (``torch.nn.utils.spectral_norm``: one power iteration per
    training forward; ``weight_orig``, ``weight_u`` and ``weight_v`` in the state dict), so
    BasicSR's and Real-ESRGAN's weights load with ``strict=True``. The output is a logit per
    pixel, for the vanilla GAN loss. PyTorch's default initialisation is kept, as BasicSR.

    Args:
        in_channels: Channels of the image. Default: 3.
        mid_channels: Channels of conv0; the encoder doubles them three times. Default: 64.
        skip_connection: Add the encoder features in the decoder. Default: True.

    Raises:
        ValueError: A non-positive size (at build); in ``forward``, an input whose height or
            width is not a multiple of 8.

    Shapes:
        (N, in_channels, H, W), H and W multiples of 8 -> logits (N, 1, H, W).
    """

    def __init__(
        self, *, in_channels: int = 3, mid_channels: int = 64, skip_connection: bool = True
    ) -> None:
        super().__init__()
        check_positive(
            "UNetDiscriminatorSN", dict(in_channels=in_channels, mid_channels=mid_channels)
        )
        c = mid_channels
        self.skip_connection = skip_connection
        self.conv0 = nn.Conv2d(in_channels, c, 3, 1, padding=1)
        self.conv1 = _sn_conv(c, c * 2, 4, 2)
        self.conv2 = _sn_conv(c * 2, c * 4, 4, 2)
        self.conv3 = _sn_conv(c * 4, c * 8, 4, 2)
        self.conv4 = _sn_conv(c * 8, c * 4, 3, 1)
        self.conv5 = _sn_conv(c * 4, c * 2, 3, 1)
        self.conv6 = _sn_conv(c * 2, c, 3, 1)
        self.conv7 = _sn_conv(c, c, 3, 1)
        self.conv8 = _sn_conv(c, c, 3, 1)
        self.conv9 = nn.Conv2d(c, 1, 3, 1, padding=1)

    def _decode(self, x: torch.Tensor, conv: nn.Module, skip: torch.Tensor) -> torch.Tensor:
        out = _lrelu(conv(_up2(x)))
        return out + skip if self.skip_connection else out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Score each pixel of ``x`` (N, C, H, W); returns logits (N, 1, H, W)."""
        if x.dim() != 4 or x.shape[-2] % 8 or x.shape[-1] % 8:
            raise ValueError(
                f"UNetDiscriminatorSN needs (N, C, H, W) with H and W multiples of 8 (three "
                f"stride-2 convs and three x2 upsamplings), got {tuple(x.shape)}"
            )
        x0 = _lrelu(self.conv0(x))
        x1 = _lrelu(self.conv1(x0))
        x2 = _lrelu(self.conv2(x1))
        x3 = _lrelu(self.conv3(x2))
        x4 = self._decode(x3, self.conv4, x2)
        x5 = self._decode(x4, self.conv5, x1)
        x6 = self._decode(x5, self.conv6, x0)
        out = _lrelu(self.conv8(_lrelu(self.conv7(x6))))
        return self.conv9(out)
