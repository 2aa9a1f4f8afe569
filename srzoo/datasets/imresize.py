"""MATLAB-compatible bicubic ``imresize``.

Reproduces MATLAB's ``imresize(img, scale, 'bicubic')``: Keys' cubic kernel with
a = -0.5, a kernel widened by ``1/scale`` (antialiasing) when downscaling, and
half-sample symmetric padding at the borders. This is how the LR images of the SR
literature (DIV2K ``LR_bicubic``, Set5, Set14, ...) were made, so LR images made
here match published data.

Reference:
    R. Keys, "Cubic convolution interpolation for digital image processing",
    IEEE Trans. ASSP 29(6), 1981; MATLAB Image Processing Toolbox ``imresize``.

Each axis is resized separately (rows, then columns). The contributing input
indices and weights of an axis depend only on its length and the scale, so they are
computed once and cached; applying them is a small weighted sum of ``P`` gathered
slices (``P`` = kernel taps), which keeps on-the-fly degradation cheap.
"""

import math
from functools import lru_cache
from typing import Tuple, TypeVar, Union

import numpy as np
import torch

ArrayOrTensor = TypeVar("ArrayOrTensor", np.ndarray, torch.Tensor)


def cubic(x: np.ndarray) -> np.ndarray:
    """Keys' cubic convolution kernel with a = -0.5, as MATLAB uses.

    Args:
        x (np.ndarray): distances, any shape.

    Returns:
        np.ndarray: kernel values, same shape as ``x``; zero where ``|x| > 2``.
    """
    ax = np.abs(x)
    ax2, ax3 = ax**2, ax**3
    near = (1.5 * ax3 - 2.5 * ax2 + 1.0) * (ax <= 1)
    far = (-0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0) * ((ax > 1) & (ax <= 2))
    return near + far


def output_length(in_length: int, scale: float) -> int:
    """MATLAB's output length ``ceil(in_length * scale)``, robust to float noise.

    Args:
        in_length (int): input length along one axis.
        scale (float): scale factor.

    Returns:
        int: the output length.
    """
    return int(math.ceil(in_length * scale - 1e-9))


@lru_cache(maxsize=64)
def axis_weights(in_length: int, scale: float) -> Tuple[np.ndarray, np.ndarray]:
    """Weights and (padded-back) input indices for resizing one axis.

    Output pixel ``i`` (1-based) samples the input at
    ``u = i / scale + 0.5 * (1 - 1 / scale)``; the kernel is stretched by ``1/scale``
    when downscaling. Out-of-range indices are mirrored (half-sample symmetric).

    Args:
        in_length (int): input length along the axis.
        scale (float): scale factor (> 0).

    Returns:
        tuple: ``weights`` (out_length, P) float64, rows summing to 1, and
        ``indices`` (out_length, P) int64 into ``[0, in_length)``.
    """
    out_len = output_length(in_length, scale)
    antialias = scale < 1
    width = 4.0 / scale if antialias else 4.0
    x = np.arange(1, out_len + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - width / 2)
    taps = int(math.ceil(width)) + 2
    idx = left[:, None] + np.arange(taps, dtype=np.float64)[None, :]
    dist = u[:, None] - idx
    weights = scale * cubic(dist * scale) if antialias else cubic(dist)
    weights = weights / weights.sum(axis=1, keepdims=True)
    # Drop tap columns that are zero for every output pixel (MATLAB does the same).
    keep = np.any(weights != 0, axis=0)
    first, last = np.argmax(keep), len(keep) - np.argmax(keep[::-1])
    weights, idx = weights[:, first:last], idx[:, first:last].astype(np.int64) - 1
    period = 2 * in_length
    idx = np.mod(idx, period)
    idx = np.where(idx < in_length, idx, period - 1 - idx)
    weights.setflags(write=False)
    idx.setflags(write=False)
    return weights, idx


def _resize_axis_np(img: np.ndarray, scale: float, axis: int) -> np.ndarray:
    """Resize a float numpy array along ``axis``."""
    weights, idx = axis_weights(img.shape[axis], scale)
    moved = np.moveaxis(img, axis, 0)
    tail = (1,) * (moved.ndim - 1)
    out = np.zeros((weights.shape[0],) + moved.shape[1:], dtype=img.dtype)
    for k in range(weights.shape[1]):
        out += weights[:, k].reshape((-1,) + tail).astype(img.dtype) * moved[idx[:, k]]
    return np.moveaxis(out, 0, axis)


def _resize_axis_torch(img: torch.Tensor, scale: float, axis: int) -> torch.Tensor:
    """Resize a float tensor along ``axis``."""
    weights_np, idx_np = axis_weights(img.shape[axis], scale)
    weights = torch.from_numpy(weights_np.copy()).to(img.device, img.dtype)
    idx = torch.from_numpy(idx_np.copy()).to(img.device)
    shape = [1] * img.dim()
    shape[axis] = weights.shape[0]
    out = None
    for k in range(weights.shape[1]):
        term = weights[:, k].reshape(shape) * img.index_select(axis, idx[:, k])
        out = term if out is None else out + term
    return out


def round_half_away(x: ArrayOrTensor) -> ArrayOrTensor:
    """Round to the nearest integer, halves away from zero, as MATLAB's ``round`` and its
    conversion of doubles to ``uint8`` do (numpy and torch round halves to even).

    Exact for every float: ``x - trunc(x)`` is computed without error, so 0.5 is compared
    exactly (unlike ``floor(x + 0.5)``, which sends 0.49999999999999994 to 1).

    Args:
        x (np.ndarray | torch.Tensor): floats, any shape.

    Returns:
        np.ndarray | torch.Tensor: integral floats, same type, shape and dtype.
    """
    if isinstance(x, torch.Tensor):
        whole = torch.trunc(x)
        return whole + torch.where((x - whole).abs() >= 0.5, torch.sign(x), torch.zeros_like(x))
    whole = np.trunc(x)
    return whole + np.where(np.abs(x - whole) >= 0.5, np.sign(x), 0.0).astype(whole.dtype)


def _check_scale(scale: float) -> float:
    scale = float(scale)
    if not math.isfinite(scale) or scale <= 0:
        raise ValueError(f"imresize: scale must be a positive number, got {scale!r}")
    return scale


def _imresize_np(img: np.ndarray, scale: float) -> np.ndarray:
    if img.ndim not in (2, 3):
        raise ValueError(f"imresize: expected an HW or HWC array, got shape {img.shape}")
    src_dtype = img.dtype
    work = img if np.issubdtype(src_dtype, np.floating) else img.astype(np.float64)
    out = _resize_axis_np(_resize_axis_np(work, scale, 0), scale, 1)
    if np.issubdtype(src_dtype, np.integer):
        info = np.iinfo(src_dtype)
        return np.clip(round_half_away(out), info.min, info.max).astype(src_dtype)
    if src_dtype == np.bool_:
        return out > 0.5
    return out


def _imresize_torch(img: torch.Tensor, scale: float) -> torch.Tensor:
    if img.dim() not in (2, 3, 4):
        raise ValueError(f"imresize: expected an (N)(C)HW tensor, got shape {tuple(img.shape)}")
    src_dtype = img.dtype
    work = img if img.is_floating_point() else img.to(torch.float64)
    h_axis = work.dim() - 2
    out = _resize_axis_torch(_resize_axis_torch(work, scale, h_axis), scale, h_axis + 1)
    if not src_dtype.is_floating_point and src_dtype != torch.bool:
        info = torch.iinfo(src_dtype)
        return round_half_away(out).clamp(info.min, info.max).to(src_dtype)
    return out


def imresize(img: ArrayOrTensor, scale: Union[float, int]) -> ArrayOrTensor:
    """Resize an image by ``scale`` exactly as MATLAB's bicubic ``imresize`` does.

    Args:
        img (np.ndarray | torch.Tensor): an HWC or HW numpy array (float in any
            range, or uint8/uint16), or a tensor of shape (N, C, H, W), (C, H, W)
            or (H, W).
        scale (float): scale factor, e.g. 0.25 to downscale x4 or 4 to upscale x4.

    Returns:
        np.ndarray | torch.Tensor: same type and dtype as ``img``, spatial size
        ``ceil(H * scale) x ceil(W * scale)``. Integer images are rounded half away
        from zero (:func:`round_half_away`) and clipped to their dtype's range, as
        MATLAB does for uint8.

    Raises:
        ValueError: a non-positive scale or an unsupported shape.
    """
    scale = _check_scale(scale)
    if isinstance(img, torch.Tensor):
        return _imresize_torch(img, scale)
    if isinstance(img, np.ndarray):
        return _imresize_np(img, scale)
    raise TypeError(f"imresize: expected a numpy array or torch tensor, got {type(img).__name__}")
