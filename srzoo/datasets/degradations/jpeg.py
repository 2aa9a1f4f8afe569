"""Batched JPEG compression on the training device, with a quality per image.

The same algorithm as BasicSR 1.4.2's ``DiffJPEG(differentiable=False)`` (from
https://github.com/mlomnitz/DiffJPEG), which Real-ESRGAN (Wang et al., ICCVW 2021,
arXiv 2107.10833) uses to simulate compression on the GPU:

1. RGB in [0, 1] -> x255 -> YCbCr (JPEG/JFIF matrix, +128 on the chroma);
2. 4:2:0 chroma subsampling by 2x2 averaging;
3. 8x8 blocks, level shift -128, orthonormal-scaled DCT-II;
4. quantisation ``round(coef / (table * factor))`` with the standard luminance and
   chrominance tables (transposed, as in DiffJPEG) and the libjpeg quality factor
   ``5000 / q`` below 50, else ``200 - 2 q``, divided by 100;
5. the inverse: dequantise, inverse DCT, +128, nearest chroma upsampling, YCbCr -> RGB,
   clamp to [0, 255], /255.

Images are zero-padded at the bottom/right to multiples of 16 and cropped back. There is no
entropy coding, so the output is not byte-identical to a libjpeg file; it equals DiffJPEG
within float rounding. The quality may be any real number in (0, 100], not only integers.
"""

import math
from typing import Dict, Tuple, Union

import torch
import torch.nn.functional as F

# JPEG Annex K tables; DiffJPEG divides coefficient (u, v) by the transposed table's entry.
_Y_TABLE = (
    (16, 11, 10, 16, 24, 40, 51, 61),
    (12, 12, 14, 19, 26, 58, 60, 55),
    (14, 13, 16, 24, 40, 57, 69, 56),
    (14, 17, 22, 29, 51, 87, 80, 62),
    (18, 22, 37, 56, 68, 109, 103, 77),
    (24, 35, 55, 64, 81, 104, 113, 92),
    (49, 64, 78, 87, 103, 121, 120, 101),
    (72, 92, 95, 98, 112, 100, 103, 99),
)
_C_TOP = ((17, 18, 24, 47), (18, 21, 26, 66), (24, 26, 56, 99), (47, 66, 99, 99))
_RGB_TO_YCBCR = ((0.299, 0.587, 0.114), (-0.168736, -0.331264, 0.5), (0.5, -0.418688, -0.081312))
_YCBCR_TO_RGB = ((1.0, 0.0, 1.402), (1.0, -0.344136, -0.714136), (1.0, 1.772, 0.0))

Quality = Union[float, torch.Tensor]
_CONSTANTS: Dict[Tuple[str, torch.dtype], Dict[str, torch.Tensor]] = {}


def _constants(device: torch.device) -> Dict[str, torch.Tensor]:
    """Tables, colour matrices and the DCT basis on ``device`` (float32, cached)."""
    key = (str(device), torch.float32)
    if key not in _CONSTANTS:
        c_table = torch.full((8, 8), 99.0)
        c_table[:4, :4] = torch.tensor(_C_TOP, dtype=torch.float32).T
        pos = torch.arange(8, dtype=torch.float64)
        # basis[u, x] = cos((2x + 1) u pi / 16); alpha(0) = 1/sqrt(2), else 1.
        basis = torch.cos((2 * pos[None, :] + 1) * pos[:, None] * math.pi / 16)
        alpha = torch.tensor([1 / math.sqrt(2)] + [1.0] * 7, dtype=torch.float64)
        values = dict(
            y_table=torch.tensor(_Y_TABLE, dtype=torch.float32).T,
            c_table=c_table,
            rgb_to_ycbcr=torch.tensor(_RGB_TO_YCBCR, dtype=torch.float32),
            ycbcr_to_rgb=torch.tensor(_YCBCR_TO_RGB, dtype=torch.float32),
            shift=torch.tensor([0.0, 128.0, 128.0]),
            # On flattened 8x8 blocks: coef = (pixels @ dct.T) * scale, pixels = coef @ idct.
            dct=torch.kron(basis, basis).float(),
            dct_scale=(torch.outer(alpha, alpha) * 0.25).reshape(64).float(),
            idct=(
                torch.kron(basis, basis) * 0.25 * torch.outer(alpha, alpha).reshape(64, 1)
            ).float(),
        )
        _CONSTANTS[key] = {name: t.to(device) for name, t in values.items()}
    return _CONSTANTS[key]


def quality_to_factor(quality: torch.Tensor) -> torch.Tensor:
    """libjpeg's scaling of the quantisation tables for ``quality`` (float32 tensor):
    ``5000 / q`` for q < 50, else ``200 - 2 q``; divided by 100."""
    quality = quality.float()
    return torch.where(quality < 50, 5000.0 / quality, 200.0 - quality * 2) / 100.0


def _to_blocks(plane: torch.Tensor) -> torch.Tensor:
    """(N, H, W) -> (N, H/8, W/8, 64): each 8x8 block flattened row by row."""
    n, h, w = plane.shape
    return plane.view(n, h // 8, 8, w // 8, 8).permute(0, 1, 3, 2, 4).reshape(n, h // 8, w // 8, 64)


def _from_blocks(blocks: torch.Tensor) -> torch.Tensor:
    """(N, H/8, W/8, 64) -> (N, H, W)."""
    n, bh, bw = blocks.shape[:3]
    return blocks.view(n, bh, bw, 8, 8).permute(0, 1, 3, 2, 4).reshape(n, bh * 8, bw * 8)


def _code_plane(plane: torch.Tensor, table: torch.Tensor, c: Dict[str, torch.Tensor]):
    """Level-shift, DCT, quantise, dequantise and inverse-DCT one (N, H, W) plane (0-255).

    ``table`` is (N, 1, 1, 64): the quantisation table times each image's factor.
    """
    coef = (_to_blocks(plane - 128) @ c["dct"].T) * c["dct_scale"]
    coef = torch.round(coef / table) * table
    return _from_blocks(coef @ c["idct"] + 128)


def jpeg_compress(img: torch.Tensor, quality: Quality) -> torch.Tensor:
    """JPEG-compress and decode each image of a batch at its own quality.

    Args:
        img: (N, 3, H, W) RGB in [0, 1], any H and W (padded to multiples of 16 inside).
        quality: One quality for the batch, or (N,) qualities, in (0, 100]. Not modified.

    Returns:
        (N, 3, H, W) float32 in [0, 1], on ``img``'s device.

    Raises:
        ValueError: Not 3 channels, or a quality count other than 1 or N.
    """
    if img.dim() != 4 or img.shape[1] != 3:
        raise ValueError(f"jpeg_compress needs (N, 3, H, W) RGB, got {tuple(img.shape)}")
    n, _, h, w = img.shape
    c = _constants(img.device)
    quality = torch.as_tensor(quality, dtype=torch.float32, device=img.device).reshape(-1)
    if quality.numel() not in (1, n):
        raise ValueError(f"got {quality.numel()} qualities for a batch of {n} images")
    factor = quality_to_factor(quality).expand(n).reshape(n, 1, 1, 1)
    x = F.pad(img.float(), (0, (-w) % 16, 0, (-h) % 16), mode="constant", value=0.0)
    ycc = torch.einsum("nihw,ji->njhw", x * 255, c["rgb_to_ycbcr"]) + c["shift"].view(1, 3, 1, 1)
    chroma = F.avg_pool2d(ycc[:, 1:], kernel_size=2, stride=2)
    y_table, c_table = c["y_table"].reshape(64) * factor, c["c_table"].reshape(64) * factor
    y = _code_plane(ycc[:, 0], y_table, c)
    cb = _code_plane(chroma[:, 0], c_table, c)
    cr = _code_plane(chroma[:, 1], c_table, c)
    chroma = torch.stack([cb, cr], 1).repeat_interleave(2, -2).repeat_interleave(2, -1)
    ycc = torch.cat([y.unsqueeze(1), chroma], 1) - c["shift"].view(1, 3, 1, 1)
    rgb = torch.einsum("nihw,ji->njhw", ycc, c["ycbcr_to_rgb"])
    return torch.clamp(rgb, 0, 255)[..., :h, :w] / 255
