"""Batched filtering on the training device: per-sample 2-D filters and USM sharpening.

Reference: BasicSR 1.4.2 ``basicsr/utils/img_process_util.py`` (``filter2D``,
``USMSharp``), used by Real-ESRGAN (Wang et al., ICCVW 2021, arXiv 2107.10833) to blur
with the sampled kernels and to sharpen the ground truth. Values equal BasicSR's to
float32 precision.
"""

from typing import Optional

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def _as_batch_kernels(kernel: torch.Tensor) -> torch.Tensor:
    """(k, k) -> (1, k, k); (N, k, k) unchanged; anything else raises ValueError."""
    if kernel.dim() == 2:
        kernel = kernel.unsqueeze(0)
    if kernel.dim() != 3 or kernel.shape[-1] != kernel.shape[-2] or kernel.shape[-1] % 2 == 0:
        raise ValueError(
            f"kernels must be (k, k) or (N, k, k) with k odd, got {tuple(kernel.shape)}"
        )
    return kernel


def reflect_pad(img: torch.Tensor, pad: int) -> torch.Tensor:
    """Reflect-pad the last two dims of (N, C, H, W) by ``pad``.

    Raises:
        ValueError: H or W is not larger than ``pad`` (reflect padding needs that).
    """
    h, w = img.shape[-2:]
    if pad >= h or pad >= w:
        raise ValueError(
            f"cannot reflect-pad a {h}x{w} image by {pad} pixels for a {2 * pad + 1}-tap "
            "filter; use larger training crops (Real-ESRGAN degrades 400x400 GT)"
        )
    return F.pad(img, (pad, pad, pad, pad), mode="reflect")


def filter2d(img: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """Correlate each image of a batch with its own kernel, reflect padding ("same" size).

    Args:
        img: (N, C, H, W) float.
        kernel: (k, k) or (1, k, k) for one kernel for all images, or (N, k, k) for one
            per image; k odd; same dtype and device as ``img``.

    Returns:
        (N, C, H, W). Every channel of image i is filtered with kernel i (no flip, as
        ``F.conv2d``; the Real-ESRGAN kernels are point-symmetric anyway).

    Raises:
        ValueError: An even or non-square kernel, a kernel count that is neither 1 nor N,
            or an image too small to reflect-pad by k // 2.
    """
    kernel = _as_batch_kernels(kernel)
    n, c, h, w = img.shape
    k = kernel.shape[-1]
    if kernel.shape[0] not in (1, n):
        raise ValueError(f"got {kernel.shape[0]} kernels for a batch of {n} images")
    padded = reflect_pad(img, k // 2)
    if kernel.shape[0] == 1:
        out = F.conv2d(padded.reshape(n * c, 1, h + k - 1, w + k - 1), kernel.view(1, 1, k, k))
        return out.view(n, c, h, w)
    weight = kernel.view(n, 1, k, k).repeat(1, c, 1, 1).view(n * c, 1, k, k)
    out = F.conv2d(padded.reshape(1, n * c, h + k - 1, w + k - 1), weight, groups=n * c)
    return out.view(n, c, h, w)


def usm_kernel(radius: int = 50, sigma: float = 0.0, *, separable: bool = True) -> torch.Tensor:
    """The Gaussian of USM, from OpenCV's ``getGaussianKernel(r, sigma)`` (float32).

    An even ``radius`` is bumped to ``radius + 1``, as BasicSR does. With ``separable`` the
    1-D kernel (r,); else BasicSR's (1, r, r) outer product.
    """
    radius = radius + 1 if radius % 2 == 0 else radius
    g = cv2.getGaussianKernel(radius, sigma)
    if separable:
        return torch.from_numpy(g[:, 0]).float()
    return torch.from_numpy(np.dot(g, g.T)).float().unsqueeze(0)


def _band(n: int, taps: torch.Tensor) -> torch.Tensor:
    """(n + k - 1, n) matrix M with ``M[j + t, j] = taps[t]``: a "valid" correlation as a matmul."""
    k = taps.numel()
    rows = torch.arange(k, device=taps.device)[:, None] + torch.arange(n, device=taps.device)
    band = taps.new_zeros(n + k - 1, n)
    band[rows, torch.arange(n, device=taps.device).expand(k, n)] = taps[:, None].expand(k, n)
    return band


def separable_filter(img: torch.Tensor, taps: torch.Tensor) -> torch.Tensor:
    """Filter (N, C, H, W) with ``outer(taps, taps)``, reflect padding, as two banded matmuls.

    Equal to :func:`filter2d` with the outer-product kernel up to float rounding (and
    closer to the exact value: 2 k instead of k^2 terms per output), and much faster on
    CPU for large k.

    Raises:
        ValueError: An even number of taps, or an image too small to reflect-pad.
    """
    if taps.dim() != 1 or taps.numel() % 2 == 0:
        raise ValueError(f"taps must be 1-D with an odd length, got {tuple(taps.shape)}")
    h, w = img.shape[-2:]
    taps = taps.to(img)
    padded = reflect_pad(img, taps.numel() // 2)
    return _band(h, taps).T @ (padded @ _band(w, taps))


def usm_sharp(
    img: torch.Tensor, kernel: torch.Tensor, weight: float = 0.5, threshold: float = 10.0
) -> torch.Tensor:
    """Unsharp masking with a soft mask, as Real-ESRGAN sharpens its ground truth.

    ``residual = img - blur(img)``; ``mask = |residual| * 255 > threshold``, blurred into a
    soft mask; the output is ``m * clip(img + weight * residual, 0, 1) + (1 - m) * img``.

    Args:
        img: (N, C, H, W) in [0, 1].
        kernel: The Gaussian (see :func:`usm_kernel`): 1-D (r,) for the fast separable
            blur, or (1, r, r) for BasicSR's 2-D correlation, which it reproduces bit for bit.
        weight: Sharpening strength. Default: 0.5.
        threshold: Residual threshold on the 255 scale. Default: 10.

    Returns:
        (N, C, H, W), same dtype and device.
    """
    kernel = kernel.to(img)
    blur = separable_filter if kernel.dim() == 1 else filter2d
    residual = img - blur(img, kernel)
    mask = (torch.abs(residual) * 255 > threshold).to(img.dtype)
    soft_mask = blur(mask, kernel)
    sharp = torch.clamp(img + weight * residual, 0, 1)
    return soft_mask * sharp + (1 - soft_mask) * img


class USMSharp(nn.Module):
    """:func:`usm_sharp` as a module; its kernel is a non-persistent buffer (it follows
    ``.to(device)`` and adds nothing to the state dict).

    Args:
        radius: Gaussian size (odd; an even value is bumped by one). Default: 50 -> 51.
        sigma: Gaussian sigma; 0 lets OpenCV derive it from the size. Default: 0.
        weight: Sharpening strength. Default: 0.5.
        threshold: Residual threshold on the 255 scale. Default: 10.
        separable: Blur with two 1-D passes (fast; within 2e-6 of BasicSR, whose float32
            2-D correlation is itself 2.6e-6 from the exact blur) instead of BasicSR's 2-D
            correlation (bit-identical, about 20 times slower on CPU). Default: True.

    Shapes:
        (N, C, H, W) in [0, 1] -> same; H and W must exceed radius // 2.
    """

    kernel: torch.Tensor

    def __init__(
        self,
        radius: int = 50,
        sigma: float = 0.0,
        weight: float = 0.5,
        threshold: float = 10.0,
        separable: bool = True,
    ) -> None:
        super().__init__()
        self.weight = weight
        self.threshold = threshold
        kernel = usm_kernel(radius, sigma, separable=separable)
        self.register_buffer("kernel", kernel, persistent=False)

    def forward(
        self, img: torch.Tensor, weight: Optional[float] = None, threshold: Optional[float] = None
    ) -> torch.Tensor:
        """Sharpen ``img``; ``weight`` / ``threshold`` override the constructor's."""
        weight = self.weight if weight is None else weight
        threshold = self.threshold if threshold is None else threshold
        return usm_sharp(img, self.kernel, weight, threshold)
