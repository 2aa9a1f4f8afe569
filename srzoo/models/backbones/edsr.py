"""EDSR (Lim et al., CVPRW 2017), and the pieces RCAN and SwinIR share with it.

The shared pieces are the DIV2K mean shift, BasicSR's sub-pixel ``Upsample`` and the
reading of EDSR-PyTorch's ``MeanShift`` layers (``sub_mean`` / ``add_mean``), which the
official EDSR and RCAN checkpoints both carry.
"""

import re
import warnings
from typing import Any, Collection, Dict, Mapping, Optional, Sequence

import torch
from torch import nn

from srzoo.arch import KeyLayout, SRArch, StateDict, count_blocks, rename_keys
from srzoo.errors import WeightsError
from srzoo.models.layers import check_positive, make_layer
from srzoo.registry import BACKBONES

# DIV2K's RGB mean, which EDSR, RCAN and SwinIR subtract from their input (EDSR-PyTorch).
DIV2K_RGB_MEAN = (0.4488, 0.4371, 0.4040)
MEAN_SHIFT_PREFIXES = ("sub_mean.", "add_mean.")


def mean_buffer(channels: int, rgb_mean: Optional[Sequence[float]], name: str) -> torch.Tensor:
    """The (1, C, 1, 1) mean to shift by: ``rgb_mean``, or DIV2K's for 3 channels, else 0.

    Raises:
        ValueError: If ``rgb_mean`` does not have ``channels`` entries.
    """
    if rgb_mean is None:
        rgb_mean = DIV2K_RGB_MEAN if channels == 3 else (0.0,) * channels
    if len(rgb_mean) != channels:
        raise ValueError(f"{name}: rgb_mean needs {channels} entries, got {list(rgb_mean)}")
    return torch.tensor([float(m) for m in rgb_mean]).view(1, channels, 1, 1)


class SubPixelUpsample(nn.Sequential):
    """BasicSR's ``Upsample``: (conv3x3 to 4C, PixelShuffle(2)) per factor 2, or one
    (conv3x3 to 9C, PixelShuffle(3)). Keys ``0``, ``2``, ``4`` are the convs.

    Args:
        channels: Feature channels C.
        scale: 2**n or 3.

    Shapes:
        (N, C, H, W) -> (N, C, scale * H, scale * W).
    """

    def __init__(self, *, channels: int, scale: int) -> None:
        factors = [3] if scale == 3 else [2] * (scale.bit_length() - 1)
        if scale < 2 or (scale != 3 and 2 ** len(factors) != scale):
            raise ValueError(f"sub-pixel upsampling supports 2**n and 3, got {scale}")
        layers = []
        for factor in factors:
            layers += [nn.Conv2d(channels, channels * factor**2, 3, padding=1)]
            layers += [nn.PixelShuffle(factor)]
        super().__init__(*layers)


def upsample_scale(state_dict: Mapping[str, torch.Tensor], prefix: str, channels: int) -> int:
    """Scale of a :class:`SubPixelUpsample` from its convs under ``prefix`` (e.g. ``upsample.``).

    Raises:
        WeightsError: If the convs are not those of a 2**n or x3 upsampler.
    """
    steps = count_blocks(state_dict, prefix)
    ratio = state_dict[f"{prefix}0.weight"].shape[0] // channels
    if ratio == 9 and steps == 1:
        return 3
    if ratio == 4 and steps >= 1:
        return 2**steps
    raise WeightsError(f"{prefix[:-1]}: {steps} conv(s) with channel ratio {ratio}")


def drop_mean_shift(state_dict: Mapping[str, torch.Tensor], name: str) -> StateDict:
    """Remove EDSR-PyTorch's ``sub_mean`` / ``add_mean`` 1x1 convs from a state dict.

    srzoo (like BasicSR) shifts by the fixed DIV2K mean at range 255, which is what the
    official code builds these layers as. Some official trainings left them trainable
    (their ``requires_grad`` switch did not reach the parameters); then they are dropped
    with a warning that names the largest deviation, as BasicSR's conversion does.
    """
    worst = 0.0
    for prefix, sign in (("sub_mean", -1.0), ("add_mean", 1.0)):
        weight, bias = state_dict.get(f"{prefix}.weight"), state_dict.get(f"{prefix}.bias")
        if weight is None or bias is None:
            continue
        if weight.numel() != 9 or bias.numel() != 3:
            raise WeightsError(f"{name}: {prefix} is not a 3-channel mean shift")
        eye = torch.eye(3, dtype=torch.float64)
        expected = sign * 255.0 * torch.tensor(DIV2K_RGB_MEAN, dtype=torch.float64)
        worst = max(worst, float((weight.double().view(3, 3) - eye).abs().max()))
        worst = max(worst, float((bias.double() - expected).abs().max()) / 255.0)
    if worst > 1e-4:
        warnings.warn(
            f"{name} checkpoint: sub_mean/add_mean differ from the DIV2K mean shift by up to "
            f"{worst:.3g}; srzoo uses the fixed shift (as BasicSR), so outputs differ slightly",
            stacklevel=2,
        )
    return {k: v for k, v in state_dict.items() if not k.startswith(MEAN_SHIFT_PREFIXES)}


def _is_edsr_official(keys: Collection[str]) -> bool:
    return (
        "head.0.weight" in keys
        and "tail.1.weight" in keys
        and not any(".conv_du." in k for k in keys)
    )


def _from_edsr_official(state_dict: StateDict) -> StateDict:
    """EDSR-PyTorch's keys (``head.0``, ``body.N.body.0/2``, ``body.<n>``, ``tail.0.K``,
    ``tail.1``) renamed to BasicSR's; the mean-shift layers dropped."""
    rules = [
        (r"^head\.0\.", "conv_first."),
        (r"^body\.(\d+)\.body\.0\.", r"body.\1.conv1."),
        (r"^body\.(\d+)\.body\.2\.", r"body.\1.conv2."),
        (r"^body\.\d+\.(weight|bias)$", r"conv_after_body.\1"),
        (r"^tail\.0\.", "upsample."),
        (r"^tail\.1\.", "conv_last."),
    ]
    return rename_keys(drop_mean_shift(state_dict, "EDSR-PyTorch"), rules)


# The official EDSR-PyTorch release (thstkdgus35/EDSR-PyTorch, edsr_x4-4f62e9ef.pt ...).
EDSR_OFFICIAL = KeyLayout("edsr_official", _is_edsr_official, _from_edsr_official)
# Lim et al.'s two models: EDSR baseline and the paper's EDSR (residual scaling 0.1).
EDSR_PRESETS: Dict[str, Dict[str, Any]] = {
    "baseline": dict(mid_channels=64, num_blocks=16, res_scale=1.0),
    "paper": dict(mid_channels=256, num_blocks=32, res_scale=0.1),
}
_EDSR_KEY = re.compile(r"(conv_first|conv_after_body|conv_last|upsample\.\d+|body\.\d+\.conv[12])")


class ResidualBlock(nn.Module):
    """EDSR's residual block without batch norm: ``x + res_scale * conv(relu(conv(x)))``.

    Shapes:
        (N, C, H, W) -> same.
    """

    def __init__(self, *, channels: int, res_scale: float) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.relu = nn.ReLU(inplace=True)
        self.res_scale = res_scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block."""
        return x + self.conv2(self.relu(self.conv1(x))) * self.res_scale


@BACKBONES.register_module()
class EDSR(SRArch):
    """EDSR (Lim et al., "Enhanced Deep Residual Networks for Single Image Super-Resolution",
    CVPRW 2017, arXiv 1707.02921; reference code thstkdgus35/EDSR-PyTorch, BasicSR).

    Mean shift, conv_first, ``num_blocks`` residual blocks (conv-ReLU-conv scaled by
    ``res_scale``, no batch norm) and conv_after_body with a long skip, sub-pixel upsampling
    and conv_last. The paper works on [0, 255] images: the input in [0, 1] becomes
    ``(x - rgb_mean) * img_range`` and the output ``y / img_range + rgb_mean``. Keys are
    BasicSR's (``conv_first``, ``body.N.conv1/2``, ``conv_after_body``, ``upsample.K``,
    ``conv_last``); EDSR-PyTorch's are read through :data:`EDSR_OFFICIAL`. Weights keep
    PyTorch's default initialisation, as both reference codes do. Presets
    (:data:`EDSR_PRESETS`, :meth:`preset`): ``baseline`` (the defaults) and ``paper``.

    Args:
        in_channels: Channels of the LR input. Default: 3.
        out_channels: Channels of the output; must equal ``in_channels``. Default: 3.
        mid_channels: Feature channels. Default: 64.
        num_blocks: Residual blocks. Default: 16.
        res_scale: Residual scaling (0.1 in the paper's 256-channel model). Default: 1.0.
        upscale_factor: 2, 3 or 4. Default: 4.
        img_range: Pixel range the network works on. Default: 255.0.
        rgb_mean: Mean subtracted from the input and added to the output. Default: None
            (DIV2K's RGB mean for 3 channels, else 0).

    Raises:
        ValueError: For an unsupported scale, a non-positive size, ``in_channels !=
            out_channels`` or an ``rgb_mean`` of the wrong length.

    Shapes:
        (N, in_channels, H, W) in [0, 1] -> (N, out_channels, s * H, s * W).
    """

    scales = (2, 3, 4)
    key_layouts = (EDSR_OFFICIAL,)

    def __init__(
        self,
        *,
        in_channels: int = 3,
        out_channels: int = 3,
        mid_channels: int = 64,
        num_blocks: int = 16,
        res_scale: float = 1.0,
        upscale_factor: int = 4,
        img_range: float = 255.0,
        rgb_mean: Optional[Sequence[float]] = None,
    ) -> None:
        super().__init__()
        sizes = dict(in_channels=in_channels, out_channels=out_channels, mid_channels=mid_channels)
        check_positive("EDSR", sizes)
        if in_channels != out_channels:
            raise ValueError(f"EDSR: in_channels {in_channels} != out_channels {out_channels}")
        self.img_range = float(img_range)
        self.register_buffer("mean", mean_buffer(in_channels, rgb_mean, "EDSR"), persistent=False)
        self.conv_first = nn.Conv2d(in_channels, mid_channels, 3, padding=1)
        block = lambda: ResidualBlock(channels=mid_channels, res_scale=res_scale)  # noqa: E731
        self.body = make_layer(block, num_blocks)
        self.conv_after_body = nn.Conv2d(mid_channels, mid_channels, 3, padding=1)
        self.upsample = SubPixelUpsample(channels=mid_channels, scale=upscale_factor)
        self.conv_last = nn.Conv2d(mid_channels, out_channels, 3, padding=1)

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> "EDSR":
        """``EDSR(**EDSR_PRESETS[name], **overrides)``, e.g. ``EDSR.preset("paper")``.

        Raises:
            ValueError: For a name not in :data:`EDSR_PRESETS`.
        """
        if name not in EDSR_PRESETS:
            raise ValueError(f"EDSR presets are {sorted(EDSR_PRESETS)}, got {name!r}")
        return cls(**{**EDSR_PRESETS[name], **overrides})

    @classmethod
    def detect(cls, state_dict: Mapping[str, torch.Tensor]) -> Optional[Dict[str, Any]]:
        """Recognised when every key is one of EDSR's; blocks and channels from the shapes,
        the scale from the upsampler. ``res_scale`` is not in the weights: 0.1 for 256 or
        more channels (the paper's model), else 1."""
        needed = {"conv_first.weight", "conv_after_body.weight", "upsample.0.weight"}
        if not needed <= set(state_dict) or "conv_last.weight" not in state_dict:
            return None
        if not all(_EDSR_KEY.fullmatch(k.rsplit(".", 1)[0]) for k in state_dict):
            return None
        first = state_dict["conv_first.weight"]
        mid = first.shape[0]
        return dict(
            in_channels=first.shape[1],
            out_channels=state_dict["conv_last.weight"].shape[0],
            mid_channels=mid,
            num_blocks=count_blocks(state_dict),
            res_scale=0.1 if mid >= 256 else 1.0,
            upscale_factor=upsample_scale(state_dict, "upsample.", mid),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Super-resolve ``x`` (N, C, H, W) in [0, 1] to (N, C, sH, sW)."""
        feat = self.conv_first((x - self.mean) * self.img_range)
        feat = feat + self.conv_after_body(self.body(feat))
        return self.conv_last(self.upsample(feat)) / self.img_range + self.mean
