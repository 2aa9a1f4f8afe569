"""RRDBNet, the ESRGAN generator, with Real-ESRGAN's pixel-unshuffle x2 / x1 variants."""

import re
from typing import Any, Collection, Dict, Mapping, Optional

import torch
import torch.nn.functional as F
from torch import nn

from srzoo.arch import KeyLayout, SRArch, StateDict, count_blocks, forward_padded, rename_keys
from srzoo.errors import WeightsError
from srzoo.models.layers import check_positive, default_init_weights, make_layer
from srzoo.registry import BACKBONES

# Pixel-unshuffle factor applied to the input for each supported scale (Real-ESRGAN).
_UNSHUFFLE = {1: 4, 2: 2, 4: 1}
# The oldest ESRGAN layout's modules after the trunk (x4 only).
_OLD_TAIL = {3: "conv_up1", 6: "conv_up2", 8: "conv_hr", 10: "conv_last"}


def _from_esrgan_old(sd: StateDict) -> StateDict:
    """Rename the oldest ESRGAN layout (``model.0``, ``model.1.sub.N`` ...) to srzoo's keys."""
    blocks = {int(m.group(1)) for k in sd if (m := re.match(r"model\.1\.sub\.(\d+)\.RDB", k))}
    trunk = max(blocks, default=-1) + 1
    upsamplers = {int(k.split(".")[1]) for k in sd if k.startswith("model.")} - {0, 1}
    if upsamplers != set(_OLD_TAIL):
        raise WeightsError(
            "old-layout ESRGAN checkpoint with modules "
            f"{sorted(upsamplers)} after the trunk; srzoo reads the x4 layout (model.3/6/8/10)"
        )
    rules = [
        (r"^model\.1\.sub\.(\d+)\.RDB(\d)\.conv(\d)\.0\.", r"body.\1.rdb\2.conv\3."),
        (rf"^model\.1\.sub\.{trunk}\.", "conv_body."),
        (r"^model\.0\.", "conv_first."),
    ]
    return rename_keys(sd, rules + [(rf"^model\.{i}\.", f"{n}.") for i, n in _OLD_TAIL.items()])


def _is_esrgan_old(keys: Collection[str]) -> bool:
    return any(k.startswith("model.0.") for k in keys) and any(".sub." in k for k in keys)


# The two layouts of the original ESRGAN repository (see docs/checkpoint_layouts.md).
ESRGAN_NEW = KeyLayout.by_prefix(
    "esrgan_new",
    ("RRDB_trunk.", "trunk_conv."),
    [
        (r"^RRDB_trunk\.(\d+)\.RDB(\d)\.conv(\d)\.", r"body.\1.rdb\2.conv\3."),
        (r"^trunk_conv\.", "conv_body."),
        (r"^upconv(\d)\.", r"conv_up\1."),
        (r"^HRconv\.", "conv_hr."),
    ],
)
ESRGAN_OLD = KeyLayout("esrgan_old", _is_esrgan_old, _from_esrgan_old)


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
class RRDBNet(SRArch):
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

    scales = (1, 2, 4)
    key_layouts = (ESRGAN_NEW, ESRGAN_OLD)

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
        self.upscale_factor = upscale_factor
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

    @classmethod
    def input_multiple(cls, scale: int) -> int:
        """The pixel-unshuffle factor: 4 at x1, 2 at x2, 1 at x4."""
        return _UNSHUFFLE[scale]

    @classmethod
    def detect(cls, state_dict: Mapping[str, torch.Tensor]) -> Optional[Dict[str, Any]]:
        """Blocks and channels from the shapes; the scale from ``conv_first``'s input channels
        (x4: C, Real-ESRGAN x2: 4C, x1: 16C)."""
        keys = set(state_dict)
        needed = {"conv_first.weight", "conv_body.weight", "conv_up1.weight", "conv_last.weight"}
        if not needed <= keys:
            return None
        first, out_c = state_dict["conv_first.weight"], state_dict["conv_last.weight"].shape[0]
        c_first = first.shape[1]
        scale = {1: 4, 4: 2, 16: 1}.get(c_first // out_c) if c_first % out_c == 0 else None
        if scale is None:
            raise WeightsError(f"RRDBNet conv_first takes {c_first} channels for {out_c} out")
        blocks = count_blocks(keys)
        growth = state_dict["body.0.rdb1.conv1.weight"].shape[0] if blocks else 32
        return dict(
            in_channels=c_first // _UNSHUFFLE[scale] ** 2,
            out_channels=out_c,
            mid_channels=first.shape[0],
            num_blocks=blocks,
            growth_channels=growth,
            upscale_factor=scale,
        )

    def _body(self, x: torch.Tensor) -> torch.Tensor:
        feat = F.pixel_unshuffle(x, self.unshuffle) if self.unshuffle > 1 else x
        feat = self.conv_first(feat)
        feat = feat + self.conv_body(self.body(feat))
        feat = self.lrelu(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")))
        feat = self.lrelu(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")))
        return self.conv_last(self.lrelu(self.conv_hr(feat)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Super-resolve ``x`` (N, C_in, H, W) to (N, C_out, sH, sW); any H and W."""
        return forward_padded(self._body, x, self.unshuffle, self.upscale_factor)
