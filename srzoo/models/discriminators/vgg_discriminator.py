"""VGG-style discriminators of SRGAN and ESRGAN. Both return raw logits (no sigmoid)."""

from typing import List, Tuple

import torch
from torch import nn

from srzoo.models.layers import check_positive
from srzoo.registry import DISCRIMINATORS


def _check_input_size(name: str, x: torch.Tensor, input_size: int) -> None:
    """Raise ``ValueError`` unless ``x`` is (N, C, input_size, input_size)."""
    if x.dim() != 4 or tuple(x.shape[-2:]) != (input_size, input_size):
        raise ValueError(
            f"{name} expects input of shape (N, C, {input_size}, {input_size}), "
            f"got {tuple(x.shape)}; set input_size to match the GT patch size"
        )


class _ConvBNAct(nn.Module):
    """conv3x3 (no bias) + BatchNorm + LeakyReLU(0.2). (N, C_in, H, W) -> (N, C_out, H/s, W/s)."""

    def __init__(self, *, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)
        self.act = nn.LeakyReLU(0.2, inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply conv, batch norm and activation."""
        return self.act(self.bn(self.conv(x)))


# (channel multiplier of mid_channels, stride) of the seven SRGAN conv-BN blocks.
_SRGAN_BLOCKS: Tuple[Tuple[int, int], ...] = (
    (1, 2),
    (2, 1),
    (2, 2),
    (4, 1),
    (4, 2),
    (8, 1),
    (8, 2),
)


@DISCRIMINATORS.register_module()
class SRGANDiscriminator(nn.Module):
    """The discriminator of SRGAN (Ledig et al., CVPR 2017, arXiv 1609.04802).

    conv3x3 stride 1 + LeakyReLU(0.2) without BN, seven conv3x3 + BN + LeakyReLU(0.2) blocks
    with (channels, stride) = (64, 2) (128, 1) (128, 2) (256, 1) (256, 2) (512, 1) (512, 2)
    for ``mid_channels=64``, then Dense 1024, LeakyReLU(0.2), Dense 1. The paper's final
    sigmoid is left to the GAN loss. Keys: ``conv_first``, ``body.N.conv/bn``, ``linear1``,
    ``linear2``. PyTorch's default initialisation is kept.

    Args:
        in_channels: Channels of the image. Default: 3.
        mid_channels: Channels of the first conv; later blocks use 2x, 4x and 8x. Default: 64.
        input_size: Height and width of the (square) input; a multiple of 16. Default: 96.

    Raises:
        ValueError: At build for an ``input_size`` not divisible by 16; in ``forward`` for
            an input whose spatial size is not ``input_size`` x ``input_size``.

    Shapes:
        (N, in_channels, input_size, input_size) -> logits (N, 1).
    """

    def __init__(
        self, *, in_channels: int = 3, mid_channels: int = 64, input_size: int = 96
    ) -> None:
        super().__init__()
        sizes = dict(in_channels=in_channels, mid_channels=mid_channels, input_size=input_size)
        check_positive("SRGANDiscriminator", sizes)
        if input_size % 16 != 0:
            raise ValueError(
                "SRGANDiscriminator needs input_size divisible by 16 (it has four stride-2 "
                f"convs), got {input_size}"
            )
        self.input_size = input_size
        self.conv_first = nn.Conv2d(in_channels, mid_channels, 3, padding=1)
        self.act = nn.LeakyReLU(0.2, inplace=True)
        blocks: List[nn.Module] = []
        channels = mid_channels
        for mult, stride in _SRGAN_BLOCKS:
            out = mid_channels * mult
            blocks.append(_ConvBNAct(in_channels=channels, out_channels=out, stride=stride))
            channels = out
        self.body = nn.Sequential(*blocks)
        self.linear1 = nn.Linear(channels * (input_size // 16) ** 2, 1024)
        self.linear2 = nn.Linear(1024, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Score ``x`` (N, C, input_size, input_size); returns logits (N, 1)."""
        _check_input_size("SRGANDiscriminator", x, self.input_size)
        feat = self.body(self.act(self.conv_first(x)))
        return self.linear2(self.act(self.linear1(torch.flatten(feat, 1))))


@DISCRIMINATORS.register_module()
class VGGStyleDiscriminator(nn.Module):
    """VGG-style discriminator of ESRGAN (Wang et al., ECCV Workshops 2018, arXiv 1809.00219).

    Five (six for ``input_size=256``) stages; stage ``i`` has ``conv{i}_0`` (3x3, stride 1)
    and ``conv{i}_1`` (4x4, stride 2), each followed by batch norm (``bn{i}_0``, ``bn{i}_1``;
    none after ``conv0_0``, the only conv with a bias) and LeakyReLU(0.2). Channels per stage
    are 1, 2, 4, 8, 8 (, 8) x ``mid_channels``. Then ``linear1`` (-> 100), LeakyReLU(0.2) and
    ``linear2`` (-> 1). The key layout equals BasicSR's, so its weights load with
    ``strict=True``. PyTorch's default initialisation is kept, as in BasicSR.

    Args:
        in_channels: Channels of the image. Default: 3.
        mid_channels: Channels of the first stage. Default: 64.
        input_size: Height and width of the (square) input: 128 or 256. Default: 128.

    Raises:
        ValueError: At build for ``input_size`` not in (128, 256); in ``forward`` for an
            input whose spatial size is not ``input_size`` x ``input_size``.

    Shapes:
        (N, in_channels, input_size, input_size) -> logits (N, 1).
    """

    def __init__(
        self, *, in_channels: int = 3, mid_channels: int = 64, input_size: int = 128
    ) -> None:
        super().__init__()
        check_positive(
            "VGGStyleDiscriminator", dict(in_channels=in_channels, mid_channels=mid_channels)
        )
        if input_size not in (128, 256):
            raise ValueError(
                f"VGGStyleDiscriminator supports input_size in (128, 256), got {input_size!r}"
            )
        self.input_size = input_size
        self.num_stages = 5 if input_size == 128 else 6
        channels = in_channels
        for i, mult in enumerate((1, 2, 4, 8, 8, 8)[: self.num_stages]):
            out = mid_channels * mult
            setattr(self, f"conv{i}_0", nn.Conv2d(channels, out, 3, padding=1, bias=i == 0))
            if i > 0:
                setattr(self, f"bn{i}_0", nn.BatchNorm2d(out))
            setattr(self, f"conv{i}_1", nn.Conv2d(out, out, 4, stride=2, padding=1, bias=False))
            setattr(self, f"bn{i}_1", nn.BatchNorm2d(out))
            channels = out
        self.linear1 = nn.Linear(channels * 4 * 4, 100)
        self.linear2 = nn.Linear(100, 1)
        self.lrelu = nn.LeakyReLU(0.2, inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Score ``x`` (N, C, input_size, input_size); returns logits (N, 1)."""
        _check_input_size("VGGStyleDiscriminator", x, self.input_size)
        feat = self.lrelu(self.conv0_0(x))
        for i in range(self.num_stages):
            if i > 0:
                feat = self.lrelu(getattr(self, f"bn{i}_0")(getattr(self, f"conv{i}_0")(feat)))
            feat = self.lrelu(getattr(self, f"bn{i}_1")(getattr(self, f"conv{i}_1")(feat)))
        return self.linear2(self.lrelu(self.linear1(torch.flatten(feat, 1))))
