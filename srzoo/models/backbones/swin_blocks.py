"""Swin Transformer layers as SwinIR uses them (Liu et al., ICCV 2021; Liang et al., 2021).

Shifted-window self-attention on token sequences (B, H * W, C). The attention mask of the
shifted windows is computed for the actual input size on every forward, with operations
that trace into ONNX for any size; the ``attn_mask`` buffers BasicSR keeps (sized for its
``img_size``) are kept with the same shape, so its checkpoints load with ``strict=True``.
"""

from typing import Any, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import nn

Size = Tuple[int, int]


def window_partition(x: torch.Tensor, window: int) -> torch.Tensor:
    """(B, H, W, C) -> (B * H/w * W/w, w * w, C), windows in row-major order."""
    b, h, w, c = x.shape
    x = x.view(b, h // window, window, w // window, window, c)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(-1, window * window, c)


def window_reverse(windows: torch.Tensor, window: int, h: int, w: int) -> torch.Tensor:
    """Inverse of :func:`window_partition`: (B * nW, w * w, C) -> (B, H, W, C)."""
    c = windows.shape[-1]
    x = windows.view(-1, h // window, w // window, window, window, c)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(-1, h, w, c)


def shift_mask(h: int, w: int, window: int, shift: int, like: torch.Tensor) -> torch.Tensor:
    """Attention mask of the shifted windows of an H x W map: (nW, w*w, w*w), 0 or -100.

    After a cyclic shift by ``shift``, a window may hold pixels from up to four regions
    of the image (rows and columns split at H - window and H - shift); tokens of
    different regions must not attend to each other.
    """
    rows = torch.arange(h, device=like.device)
    cols = torch.arange(w, device=like.device)
    row_region = (rows >= h - window).long() + (rows >= h - shift).long()
    col_region = (cols >= w - window).long() + (cols >= w - shift).long()
    region = (row_region[:, None] * 3 + col_region[None, :]).to(like.dtype)
    windows = window_partition(region[None, :, :, None], window).squeeze(-1)
    diff = windows[:, None, :] - windows[:, :, None]
    return torch.where(diff != 0, -100.0, 0.0).to(like.dtype)


def relative_position_index(window: int) -> torch.Tensor:
    """(w*w, w*w) index into the (2w - 1)^2 relative position bias table."""
    coords = torch.stack(torch.meshgrid(torch.arange(window), torch.arange(window), indexing="ij"))
    coords = coords.flatten(1)
    relative = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0) + (window - 1)
    return relative[..., 0] * (2 * window - 1) + relative[..., 1]


class DropPath(nn.Module):
    """Stochastic depth: zero a residual branch per sample with probability ``p`` in
    training, scaling the kept ones by 1 / (1 - p) (Huang et al., ECCV 2016)."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, ...) -> same."""
        if not self.training or self.p == 0.0:
            return x
        keep = x.new_empty((x.shape[0],) + (1,) * (x.dim() - 1)).bernoulli_(1.0 - self.p)
        return x * keep / (1.0 - self.p)


class WindowAttention(nn.Module):
    """Multi-head self-attention inside each window, with a learned relative position bias.

    Args:
        dim: Token channels C.
        window: Window side w.
        num_heads: Attention heads; must divide ``dim``.

    Shapes:
        (B * nW, w * w, C) [+ mask (nW, w*w, w*w)] -> same.
    """

    def __init__(self, *, dim: int, window: int, num_heads: int) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        table = torch.zeros((2 * window - 1) ** 2, num_heads)
        self.relative_position_bias_table = nn.Parameter(nn.init.trunc_normal_(table, std=0.02))
        self.register_buffer("relative_position_index", relative_position_index(window))
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Attend within each window; ``mask`` is added per window when given."""
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.num_heads, c // self.num_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        attn = (q * self.scale) @ k.transpose(-2, -1)
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)]
        attn = attn + bias.view(n, n, -1).permute(2, 0, 1)[None]
        if mask is not None:
            nw = mask.shape[0]
            attn = attn.view(-1, nw, self.num_heads, n, n) + mask[None, :, None]
            attn = attn.view(-1, self.num_heads, n, n)
        out = (F.softmax(attn, dim=-1) @ v).transpose(1, 2).reshape(b, n, c)
        return self.proj(out)


class Mlp(nn.Module):
    """Linear - GELU - Linear. (..., C) -> (..., C)."""

    def __init__(self, *, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the MLP."""
        return self.fc2(self.act(self.fc1(x)))


class SwinTransformerBlock(nn.Module):
    """Pre-norm (shifted-)window attention and MLP, each with a residual and stochastic depth.

    Args:
        dim: Token channels.
        num_heads: Attention heads.
        window: Window side w.
        shift: Cyclic shift (w // 2 on every other block, else 0).
        mlp_ratio: MLP hidden channels / ``dim``.
        drop_path: Stochastic depth probability.
        mask_size: Side of the square map (BasicSR's ``img_size``) that the ``attn_mask``
            buffer of a shifted block is computed for.

    Shapes:
        (B, H * W, C) -> same.
    """

    def __init__(
        self,
        *,
        dim: int,
        num_heads: int,
        window: int,
        shift: int,
        mlp_ratio: float,
        drop_path: float,
        mask_size: int,
    ) -> None:
        super().__init__()
        self.window, self.shift = window, shift
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim=dim, window=window, num_heads=num_heads)
        self.drop_path = DropPath(drop_path)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim=dim, hidden=int(dim * mlp_ratio))
        stored = None
        if shift > 0:  # unused in forward; kept for BasicSR's state-dict keys and shapes
            stored = shift_mask(mask_size, mask_size, window, shift, torch.zeros(()))
        self.register_buffer("attn_mask", stored)

    def forward(self, x: torch.Tensor, size: Size, mask: Optional[torch.Tensor]) -> torch.Tensor:
        """``mask``: :func:`shift_mask` for this input size (used on shifted blocks)."""
        h, w = size
        b, _, c = x.shape
        feat = self.norm1(x).view(b, h, w, c)
        if self.shift > 0:
            feat = torch.roll(feat, shifts=(-self.shift, -self.shift), dims=(1, 2))
        windows = self.attn(window_partition(feat, self.window), mask if self.shift else None)
        feat = window_reverse(windows, self.window, h, w)
        if self.shift > 0:
            feat = torch.roll(feat, shifts=(self.shift, self.shift), dims=(1, 2))
        x = x + self.drop_path(feat.reshape(b, h * w, c))
        return x + self.drop_path(self.mlp(self.norm2(x)))


class BasicLayer(nn.Module):
    """``blocks``: Swin blocks, the odd ones on windows shifted by ``shift``.

    Args:
        depth: Number of blocks.
        drop_paths: Stochastic depth of each block.
        shift: Shift of the odd blocks (0 turns shifting off).
        **block: ``dim``, ``num_heads``, ``window``, ``mlp_ratio``, ``mask_size`` of
            :class:`SwinTransformerBlock`.

    Shapes:
        (B, H * W, C) -> same.
    """

    def __init__(
        self, *, depth: int, drop_paths: Sequence[float], shift: int, **block: Any
    ) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            SwinTransformerBlock(shift=shift if i % 2 else 0, drop_path=drop_paths[i], **block)
            for i in range(depth)
        )

    def forward(self, x: torch.Tensor, size: Size, mask: Optional[torch.Tensor]) -> torch.Tensor:
        """Apply the blocks in order."""
        for block in self.blocks:
            x = block(x, size, mask)
        return x


class RSTB(nn.Module):
    """Residual Swin Transformer block of SwinIR: Swin blocks, then a conv3x3 on the
    re-assembled map, with a skip around both.

    Args:
        dim: Token channels C.
        **layer: Passed to :class:`BasicLayer`.

    Shapes:
        (B, H * W, C) -> same.
    """

    def __init__(self, *, dim: int, **layer: Any) -> None:
        super().__init__()
        self.residual_group = BasicLayer(dim=dim, **layer)
        self.conv = nn.Conv2d(dim, dim, 3, padding=1)

    def forward(self, x: torch.Tensor, size: Size, mask: Optional[torch.Tensor]) -> torch.Tensor:
        """Apply the group and the conv, plus the skip."""
        b, _, c = x.shape
        feat = self.residual_group(x, size, mask).transpose(1, 2).reshape(b, c, *size)
        return x + self.conv(feat).flatten(2).transpose(1, 2)
