"""SwinIR for classical and lightweight super-resolution (Liang et al., ICCVW 2021)."""

import functools
import math
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Union

import torch
from torch import nn

from srzoo.arch import SRArch, count_blocks, forward_padded
from srzoo.errors import WeightsError
from srzoo.models.backbones.edsr import SubPixelUpsample, mean_buffer, upsample_scale
from srzoo.models.backbones.swin_blocks import RSTB, shift_mask
from srzoo.models.layers import check_positive
from srzoo.registry import BACKBONES

UPSAMPLERS = ("pixelshuffle", "pixelshuffledirect")
_BLOCK0 = "layers.0.residual_group.blocks.0."


class _ClassOrInstanceMethod:
    """Like ``classmethod``, but an instance is passed itself: its answer may depend on
    constructor arguments (SwinIR's input multiple is its window size)."""

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        functools.update_wrapper(self, func)  # type: ignore[arg-type]

    def __get__(self, obj: Any, cls: type) -> Callable[..., Any]:
        return functools.partial(self.func, cls if obj is None else obj)


def _init_weights(module: nn.Module) -> None:
    """SwinIR's initialisation: truncated-normal (std 0.02) linears, unit layer norms."""
    if isinstance(module, nn.Linear):
        nn.init.trunc_normal_(module.weight, std=0.02)
        nn.init.zeros_(module.bias)
    elif isinstance(module, nn.LayerNorm):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)


class _PatchNorm(nn.Module):
    """Flatten (B, C, H, W) to tokens (B, H * W, C) and layer-normalise them."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) -> (B, H * W, C)."""
        return self.norm(x.flatten(2).transpose(1, 2))


def _detect_body(state_dict: Mapping[str, torch.Tensor]) -> Dict[str, Any]:
    """SwinIR's body arguments from its weights: channels, depths, heads, window, MLP ratio,
    and ``img_size`` from the ``attn_mask`` buffers (nW = (img_size / window)^2)."""
    keys = set(state_dict)
    first = state_dict["conv_first.weight"]
    layers = count_blocks(keys, "layers.")
    depths = [count_blocks(keys, f"layers.{i}.residual_group.blocks.") for i in range(layers)]
    table = "layers.{}.residual_group.blocks.0.attn.relative_position_bias_table"
    heads = [state_dict[table.format(i)].shape[1] for i in range(layers)]
    window = (math.isqrt(state_dict[table.format(0)].shape[0]) + 1) // 2
    masks = [v for k, v in state_dict.items() if k.endswith(".attn_mask")]
    img_size = math.isqrt(masks[0].shape[0]) * window if masks else 64
    if not masks and max(depths) > 1:
        img_size = window  # blocks that never shift: BasicSR's window clamped to img_size
    hidden = state_dict[_BLOCK0 + "mlp.fc1.weight"].shape[0]
    return dict(
        in_channels=first.shape[1],
        embed_dim=first.shape[0],
        depths=depths,
        num_heads=heads,
        window_size=window,
        mlp_ratio=hidden / first.shape[0],
        img_size=img_size,
    )


def _detect_upsampler(state_dict: Mapping[str, torch.Tensor]) -> Dict[str, Any]:
    """``upsampler``, ``upscale_factor`` (and ``mid_channels``) from the upsampler's convs.

    Raises:
        WeightsError: A direct upsampler whose channels are not C * s^2.
    """
    if "conv_before_upsample.0.weight" in state_dict:
        mid = state_dict["conv_before_upsample.0.weight"].shape[0]
        scale = upsample_scale(state_dict, "upsample.", mid)
        return dict(upsampler="pixelshuffle", mid_channels=mid, upscale_factor=scale)
    ratio = state_dict["upsample.0.weight"].shape[0] // state_dict["conv_first.weight"].shape[1]
    if math.isqrt(ratio) ** 2 != ratio:
        raise WeightsError(f"SwinIR upsample.0 has {ratio}x the image channels, not a square")
    return dict(upsampler="pixelshuffledirect", upscale_factor=math.isqrt(ratio))


@BACKBONES.register_module()
class SwinIR(SRArch):
    """SwinIR (Liang et al., "SwinIR: Image Restoration Using Swin Transformer", ICCVW 2021,
    arXiv 2108.10257; reference code JingyunLiang/SwinIR, BasicSR), classical SR.

    conv_first; residual Swin Transformer blocks (RSTB: ``depths[i]`` Swin layers on
    ``window_size`` windows, every other one shifted, then a conv3x3, with a skip); layer
    norm and conv_after_body with the long skip; then ``pixelshuffle`` (conv + LeakyReLU to
    ``mid_channels``, sub-pixel upsampling, conv_last; the classical model) or
    ``pixelshuffledirect`` (one conv + PixelShuffle; the lightweight model). The DIV2K mean
    is subtracted from the input and added back. An input whose sides are not multiples of
    the window is reflect-padded (bottom/right) and the output cropped, so every size works;
    :meth:`input_multiple` is the window. Keys are BasicSR's, which are the official
    release's (``{"params": ...}`` / ``{"params_ema": ...}``), including the ``attn_mask``
    buffers of the shifted blocks, sized for ``img_size`` (masks are recomputed for each
    input, so ``img_size`` only has to match the checkpoint's).

    Args:
        in_channels: Image channels (in and out). Default: 3.
        embed_dim: Token channels. Default: 180.
        depths: Swin layers per RSTB. Default: (6, 6, 6, 6, 6, 6).
        num_heads: Attention heads per RSTB (one int for all). Default: 6.
        window_size: Attention window side. Default: 8.
        mlp_ratio: MLP hidden channels / ``embed_dim``. Default: 2.0.
        img_size: Training patch side the ``attn_mask`` buffers are sized for (48 or 64 in
            the official models); if it is not larger than the window, the window shrinks to
            it and nothing is shifted, as in BasicSR. Default: 64.
        upsampler: ``"pixelshuffle"`` or ``"pixelshuffledirect"``. Default: "pixelshuffle".
        mid_channels: Channels of the pixelshuffle upsampler (BasicSR's num_feat). Default: 64.
        drop_path_rate: Stochastic depth, rising linearly to this over the layers. Default: 0.1.
        upscale_factor: 2, 3, 4 or 8. Default: 4.

    Raises:
        ValueError: For an unsupported scale or upsampler, a non-positive size, heads that
            do not divide ``embed_dim`` or ``num_heads`` of another length than ``depths``.

    Shapes:
        (N, in_channels, H, W) in [0, 1] -> (N, in_channels, s * H, s * W), any H and W.
    """

    scales = (2, 3, 4, 8)

    def __init__(
        self,
        *,
        in_channels: int = 3,
        embed_dim: int = 180,
        depths: Sequence[int] = (6, 6, 6, 6, 6, 6),
        num_heads: Union[int, Sequence[int]] = 6,
        window_size: int = 8,
        mlp_ratio: float = 2.0,
        img_size: int = 64,
        upsampler: str = "pixelshuffle",
        mid_channels: int = 64,
        drop_path_rate: float = 0.1,
        upscale_factor: int = 4,
    ) -> None:
        super().__init__()
        heads = [num_heads] * len(depths) if isinstance(num_heads, int) else list(num_heads)
        self._check(in_channels, embed_dim, list(depths), heads, window_size, img_size, upsampler)
        check_positive("SwinIR", dict(mid_channels=mid_channels))
        self.upscale_factor = upscale_factor
        self.window = min(window_size, img_size)
        self.shift = self.window // 2 if img_size > window_size else 0
        self.register_buffer("mean", mean_buffer(in_channels, None, "SwinIR"), persistent=False)
        self.conv_first = nn.Conv2d(in_channels, embed_dim, 3, padding=1)
        self.patch_embed = _PatchNorm(embed_dim)
        total = sum(depths)
        rates = [drop_path_rate * i / max(total - 1, 1) for i in range(total)]
        starts = [sum(depths[:i]) for i in range(len(depths))]
        block = dict(dim=embed_dim, window=self.window, mlp_ratio=mlp_ratio, mask_size=img_size)
        self.layers = nn.ModuleList(
            RSTB(depth=d, num_heads=h, drop_paths=rates[s : s + d], shift=self.shift, **block)
            for d, h, s in zip(depths, heads, starts)
        )
        self.norm = nn.LayerNorm(embed_dim)
        self.conv_after_body = nn.Conv2d(embed_dim, embed_dim, 3, padding=1)
        self._build_upsampler(upsampler, in_channels, embed_dim, mid_channels, upscale_factor)
        self.apply(_init_weights)

    def _build_upsampler(
        self, upsampler: str, in_channels: int, embed_dim: int, mid_channels: int, scale: int
    ) -> None:
        """``conv_before_upsample``, ``upsample`` and ``conv_last`` (pixelshuffle), or one
        ``upsample`` conv + PixelShuffle (pixelshuffledirect), with BasicSR's keys."""
        if upsampler == "pixelshuffle":
            conv = nn.Conv2d(embed_dim, mid_channels, 3, padding=1)
            self.conv_before_upsample = nn.Sequential(conv, nn.LeakyReLU(inplace=True))
            self.upsample = SubPixelUpsample(channels=mid_channels, scale=scale)
            self.conv_last = nn.Conv2d(mid_channels, in_channels, 3, padding=1)
        else:
            conv = nn.Conv2d(embed_dim, in_channels * scale**2, 3, padding=1)
            self.upsample = nn.Sequential(conv, nn.PixelShuffle(scale))

    @staticmethod
    def _check(
        in_channels: int,
        embed_dim: int,
        depths: Sequence[int],
        heads: Sequence[int],
        window_size: int,
        img_size: int,
        upsampler: str,
    ) -> None:
        sizes = dict(in_channels=in_channels, embed_dim=embed_dim, window_size=window_size)
        sizes.update(img_size=img_size, **{f"depths[{i}]": d for i, d in enumerate(depths)})
        check_positive("SwinIR", {**sizes, **{f"num_heads[{i}]": h for i, h in enumerate(heads)}})
        if not depths or len(heads) != len(depths):
            raise ValueError(f"SwinIR: num_heads {heads} must match depths {list(depths)}")
        if any(embed_dim % h for h in heads):
            raise ValueError(f"SwinIR: num_heads {heads} must divide embed_dim {embed_dim}")
        if upsampler not in UPSAMPLERS:
            raise ValueError(f"SwinIR: upsampler must be one of {UPSAMPLERS}, got {upsampler!r}")

    @_ClassOrInstanceMethod
    def input_multiple(self_or_cls: Any, scale: int) -> int:  # noqa: N805
        """The attention window (the default, 8, when asked of the class)."""
        return self_or_cls.window if isinstance(self_or_cls, SwinIR) else 8

    @classmethod
    def body_stride(cls, scale: int) -> int:
        """1: the body runs at the LR resolution (the window constrains the size only)."""
        return 1

    @classmethod
    def detect(cls, state_dict: Mapping[str, torch.Tensor]) -> Optional[Dict[str, Any]]:
        """Recognised by ``patch_embed`` and RSTB keys. The window from the bias tables,
        ``img_size`` from the ``attn_mask`` buffers, the upsampler and scale from its convs.

        Raises:
            WeightsError: For SwinIR variants srzoo does not build (``3conv`` residual
                connections, the ``nearest+conv`` upsampler of real-world SwinIR).
        """
        keys = set(state_dict)
        if (
            not {"conv_first.weight", "patch_embed.norm.weight", _BLOCK0 + "attn.qkv.weight"}
            <= keys
        ):
            return None
        if "layers.0.conv.weight" not in keys or "conv_up1.weight" in keys:
            raise WeightsError("SwinIR with a 3conv body or nearest+conv upsampler: unsupported")
        return dict(_detect_body(state_dict), **_detect_upsampler(state_dict))

    def _features(self, feat: torch.Tensor) -> torch.Tensor:
        """The deep features: RSTBs between layer norms. (B, C, H, W) -> same."""
        b, c, h, w = feat.shape
        mask = shift_mask(h, w, self.window, self.shift, feat) if self.shift else None
        tokens = self.patch_embed(feat)
        for layer in self.layers:
            tokens = layer(tokens, (h, w), mask)
        return self.norm(tokens).transpose(1, 2).reshape(b, c, h, w)

    def _body(self, x: torch.Tensor) -> torch.Tensor:
        feat = self.conv_first(x - self.mean)
        feat = feat + self.conv_after_body(self._features(feat))
        if hasattr(self, "conv_before_upsample"):
            out = self.conv_last(self.upsample(self.conv_before_upsample(feat)))
        else:
            out = self.upsample(feat)
        return out + self.mean

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Super-resolve ``x`` (N, C, H, W) in [0, 1] to (N, C, sH, sW); any H and W."""
        return forward_padded(self._body, x, self.window, self.upscale_factor)
