"""PSNR, SSIM and MAE on numpy images, following the MATLAB convention of the SR literature.

The values equal BasicSR's ``calculate_psnr`` / ``calculate_ssim`` (which reproduce
the MATLAB evaluation scripts behind the published tables) to 1e-6:

- images are HWC RGB (or HW grayscale), uint8 or float on [0, 255];
- ``crop_border`` pixels are removed from every side first;
- ``y_channel=True`` compares the luma of ITU-R BT.601 as MATLAB's ``rgb2ycbcr``
  computes it (on [16, 235]);
- SSIM (Wang et al., "Image quality assessment: from error visibility to structural
  similarity", IEEE TIP 2004) uses an 11x11 Gaussian window with sigma 1.5, the
  "valid" region only, C1 = (0.01 * 255)^2, C2 = (0.03 * 255)^2, in float64, and is
  averaged over channels.
"""

import cv2
import numpy as np

_Y_WEIGHTS = np.array([65.481, 128.553, 24.966], dtype=np.float64)
_C1 = (0.01 * 255) ** 2
_C2 = (0.03 * 255) ** 2


def rgb2ycbcr_y(img: np.ndarray) -> np.ndarray:
    """Luma Y of BT.601 as MATLAB's ``rgb2ycbcr`` computes it.

    ``Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255`` with R, G, B on [0, 255].
    The rounding follows BasicSR's ``to_y_channel`` exactly (inputs scaled to [0, 1]
    in float32, the weighted sum in float64, the result stored as float32 on [0, 1]
    and scaled back in float32), so Y-channel metrics match it to 1e-8.

    Args:
        img (np.ndarray): (H, W, 3) RGB, uint8 or float on [0, 255].

    Returns:
        np.ndarray: (H, W) float64 luma on [16, 235].
    """
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"rgb2ycbcr_y expects an (H, W, 3) RGB image, got shape {img.shape}")
    unit = img.astype(np.float32) / np.float32(255.0)
    y_unit = ((unit.astype(np.float64) @ _Y_WEIGHTS + 16.0) / 255.0).astype(np.float32)
    return (y_unit * np.float32(255.0)).astype(np.float64)


def _prepare(img: np.ndarray, ref: np.ndarray, crop_border: int, y_channel: bool) -> tuple:
    """Check shapes, crop borders, optionally take Y; return two float64 (H, W, C) arrays."""
    img, ref = np.asarray(img), np.asarray(ref)
    if img.shape != ref.shape:
        raise ValueError(f"image shapes differ: {img.shape} vs reference {ref.shape}")
    if img.ndim not in (2, 3):
        raise ValueError(f"expected an (H, W) or (H, W, C) image, got shape {img.shape}")
    if crop_border < 0:
        raise ValueError(f"crop_border must be >= 0, got {crop_border}")
    if img.ndim == 2:
        img, ref = img[:, :, None], ref[:, :, None]
    if crop_border:
        if min(img.shape[:2]) <= 2 * crop_border:
            raise ValueError(f"crop_border {crop_border} leaves nothing of a {img.shape} image")
        img = img[crop_border:-crop_border, crop_border:-crop_border, :]
        ref = ref[crop_border:-crop_border, crop_border:-crop_border, :]
    if y_channel and img.shape[2] == 3:
        return rgb2ycbcr_y(img)[:, :, None], rgb2ycbcr_y(ref)[:, :, None]
    return img.astype(np.float64), ref.astype(np.float64)


def psnr(
    img: np.ndarray, ref: np.ndarray, *, crop_border: int = 0, y_channel: bool = False
) -> float:
    """Peak signal-to-noise ratio in dB, with peak 255.

    Args:
        img (np.ndarray): (H, W, C) RGB or (H, W), uint8 or float on [0, 255].
        ref (np.ndarray): the reference, same shape.
        crop_border (int): pixels removed from each side. Default: 0.
        y_channel (bool): compare BT.601 luma instead of RGB. Default: False.

    Returns:
        float: PSNR in dB; ``inf`` for identical images.
    """
    a, b = _prepare(img, ref, crop_border, y_channel)
    mse = np.mean((a - b) ** 2)
    if mse == 0:
        return float("inf")
    return float(10.0 * np.log10(255.0**2 / mse))


def _ssim_channel(a: np.ndarray, b: np.ndarray) -> float:
    """SSIM of two float64 (H, W) planes, mean over the valid region."""
    kernel = cv2.getGaussianKernel(11, 1.5)
    window = kernel @ kernel.T

    def blur(x: np.ndarray) -> np.ndarray:
        return cv2.filter2D(x, -1, window)[5:-5, 5:-5]

    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a**2
    var_b = blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    num = (2 * mu_a * mu_b + _C1) * (2 * cov + _C2)
    den = (mu_a**2 + mu_b**2 + _C1) * (var_a + var_b + _C2)
    return float(np.mean(num / den))


def ssim(
    img: np.ndarray, ref: np.ndarray, *, crop_border: int = 0, y_channel: bool = False
) -> float:
    """Structural similarity, averaged over channels.

    Args:
        img (np.ndarray): (H, W, C) RGB or (H, W), uint8 or float on [0, 255].
        ref (np.ndarray): the reference, same shape.
        crop_border (int): pixels removed from each side. Default: 0.
        y_channel (bool): compare BT.601 luma instead of RGB. Default: False.

    Returns:
        float: SSIM in [-1, 1].
    """
    a, b = _prepare(img, ref, crop_border, y_channel)
    if min(a.shape[:2]) < 11:
        raise ValueError(f"SSIM needs at least 11x11 pixels after cropping, got {a.shape[:2]}")
    return float(np.mean([_ssim_channel(a[:, :, c], b[:, :, c]) for c in range(a.shape[2])]))


def mae(
    img: np.ndarray, ref: np.ndarray, *, crop_border: int = 0, y_channel: bool = False
) -> float:
    """Mean absolute error on the [0, 255] scale.

    Args:
        img (np.ndarray): (H, W, C) RGB or (H, W), uint8 or float on [0, 255].
        ref (np.ndarray): the reference, same shape.
        crop_border (int): pixels removed from each side. Default: 0.
        y_channel (bool): compare BT.601 luma instead of RGB. Default: False.

    Returns:
        float: the mean of ``|img - ref|``.
    """
    a, b = _prepare(img, ref, crop_border, y_channel)
    return float(np.mean(np.abs(a - b)))
