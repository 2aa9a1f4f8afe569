"""NIQE, the Natural Image Quality Evaluator, with the MATLAB conventions BasicSR follows.

Mittal, Soundararajan and Bovik, "Making a Completely Blind Image Quality Analyzer",
IEEE Signal Processing Letters 20(3), 2013. No reference image is needed: the image's
natural-scene statistics (MSCN coefficients, fitted with generalized Gaussians) are compared
with a multivariate Gaussian fitted once on pristine photographs. Lower is better.

This reproduces BasicSR 1.4.2's ``calculate_niqe`` (a port of the authors' MATLAB code) to
1e-4 on photographs (``tests/evaluation/test_niqe.py``):

- the image is the luma Y of MATLAB's ``rgb2ycbcr`` (BT.601, on [16, 235]), ``crop_border``
  pixels removed on each side, then rounded, in float32 as BasicSR computes it;
- it is cut to whole 96x96 blocks; 18 features per block at full and at half scale (MATLAB
  bicubic ``imresize``, antialiased), 36 in all;
- the pristine model is the authors' (``mu_pris_param``, ``cov_pris_param``, the 7x7
  Gaussian window), shipped as ``srzoo/evaluation/data/niqe_pris_params.npz``.
"""

from functools import lru_cache
from pathlib import Path
from typing import NamedTuple, Optional, Union

import numpy as np
from scipy.ndimage import convolve
from scipy.special import gamma

from srzoo.datasets.imresize import imresize
from srzoo.evaluation.functional import rgb2ycbcr_y

#: BasicSR's copy of the NIQE authors' pristine model (see ``data/README.md``).
PRISTINE_PARAMS_FILE = Path(__file__).resolve().parent / "data" / "niqe_pris_params.npz"
BLOCK_SIZE = 96
_SHIFTS = ((0, 1), (1, 0), (1, 1), (1, -1))  # horizontal, vertical, two diagonals


class PristineModel(NamedTuple):
    """The NIQE model fitted on pristine images: MVG mean (1, 36), covariance (36, 36), and
    the 7x7 Gaussian window of the local mean and deviation."""

    mu: np.ndarray
    cov: np.ndarray
    window: np.ndarray


@lru_cache(maxsize=4)
def load_pristine_model(path: Optional[Union[str, Path]] = None) -> PristineModel:
    """Read a pristine model (``.npz`` with ``mu_pris_param``, ``cov_pris_param``,
    ``gaussian_window``); default: the file shipped with srzoo.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        KeyError: the file lacks one of the three arrays.
    """
    path = Path(path) if path is not None else PRISTINE_PARAMS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"NIQE pristine model not found: {path}")
    with np.load(path) as data:
        return PristineModel(data["mu_pris_param"], data["cov_pris_param"], data["gaussian_window"])


@lru_cache(maxsize=1)
def _gamma_table() -> tuple:
    """The shape grid 0.2:0.001:10 and its ratio ``Gamma(2/a)^2 / (Gamma(1/a) Gamma(3/a))``."""
    shapes = np.arange(0.2, 10.001, 0.001)
    inv = np.reciprocal(shapes)
    return shapes, np.square(gamma(inv * 2)) / (gamma(inv) * gamma(inv * 3))


def aggd_fit(block: np.ndarray) -> tuple:
    """Fit an asymmetric generalized Gaussian by moment matching on a grid (NIQE, BRISQUE).

    Args:
        block (np.ndarray): coefficients, any shape (float32 as in BasicSR).

    Returns:
        tuple: ``(alpha, beta_left, beta_right)``; NaN when one side has no samples.
    """
    block = block.flatten()
    shapes, ratio = _gamma_table()
    left_std = np.sqrt(np.mean(block[block < 0] ** 2))
    right_std = np.sqrt(np.mean(block[block > 0] ** 2))
    gammahat = left_std / right_std
    rhat = (np.mean(np.abs(block))) ** 2 / np.mean(block**2)
    rhatnorm = (rhat * (gammahat**3 + 1) * (gammahat + 1)) / ((gammahat**2 + 1) ** 2)
    alpha = shapes[np.argmin((ratio - rhatnorm) ** 2)]
    spread = np.sqrt(gamma(1 / alpha) / gamma(3 / alpha))
    return alpha, left_std * spread, right_std * spread


def block_features(block: np.ndarray) -> list:
    """The 18 NIQE features of one block of MSCN coefficients (Mittal et al., Eq. 3-8).

    Args:
        block (np.ndarray): (h, w) normalised coefficients.

    Returns:
        list[float]: shape and mean spread of the coefficients, then for each of four
        neighbour products: shape, mean, left and right spread.
    """
    alpha, beta_l, beta_r = aggd_fit(block)
    feat = [alpha, (beta_l + beta_r) / 2]
    for shift in _SHIFTS:
        alpha, beta_l, beta_r = aggd_fit(block * np.roll(block, shift, axis=(0, 1)))
        mean = (beta_r - beta_l) * (gamma(2 / alpha) / gamma(1 / alpha))
        feat.extend([alpha, mean, beta_l, beta_r])
    return feat


def _scale_features(img: np.ndarray, window: np.ndarray, blocks: tuple, scale: int) -> list:
    """Features of every block of ``img`` (already ``1/scale`` of the cropped size)."""
    mu = convolve(img, window, mode="nearest")
    sigma = np.sqrt(np.abs(convolve(np.square(img), window, mode="nearest") - np.square(mu)))
    mscn = (img - mu) / (sigma + 1)  # Eq. 1
    side = BLOCK_SIZE // scale
    return [
        block_features(mscn[i * side : (i + 1) * side, j * side : (j + 1) * side])
        for j in range(blocks[1])
        for i in range(blocks[0])
    ]


def niqe_gray(img: np.ndarray, model: Optional[PristineModel] = None) -> float:
    """NIQE of one grey (or Y) image on [0, 255], as BasicSR's ``niqe``.

    Args:
        img (np.ndarray): (H, W) float32 on [0, 255] (already rounded, for MATLAB parity).
        model (PristineModel, optional): Default: the shipped pristine model.

    Returns:
        float: the NIQE score (lower is more natural); NaN when fewer than two blocks have
        texture on both sides of their local mean (a flat or saturated image).

    Raises:
        ValueError: not 2-D, or smaller than two 96x96 blocks (no covariance to fit).
    """
    if img.ndim != 2:
        raise ValueError(f"NIQE needs an (H, W) grey image, got shape {img.shape}")
    blocks = (img.shape[0] // BLOCK_SIZE, img.shape[1] // BLOCK_SIZE)
    if blocks[0] * blocks[1] < 2:
        raise ValueError(
            f"NIQE needs at least two {BLOCK_SIZE}x{BLOCK_SIZE} blocks after cropping the "
            f"border (e.g. {2 * BLOCK_SIZE}x{BLOCK_SIZE}), got {img.shape[0]}x{img.shape[1]}"
        )
    model = model or load_pristine_model()
    img = img[: blocks[0] * BLOCK_SIZE, : blocks[1] * BLOCK_SIZE]
    full = _scale_features(img, model.window, blocks, 1)
    # BasicSR resizes in float32 (torch); the exact result stored as float32 reproduces its
    # values best: the MSCN of flat regions is rounding noise, so the rounding matters.
    unit = (img / np.float32(255.0)).astype(np.float64)
    half_img = imresize(unit, 0.5).astype(np.float32) * np.float32(255.0)
    half = _scale_features(half_img, model.window, blocks, 2)
    feats = np.concatenate([np.array(full), np.array(half)], axis=1)
    complete = feats[~np.isnan(feats).any(axis=1)]
    if len(complete) < 2:  # flat or saturated blocks have no AGGD fit (BasicSR: NaN, or a crash)
        return float("nan")
    mu = np.nanmean(feats, axis=0)
    cov = np.cov(complete, rowvar=False)
    diff = model.mu - mu
    quality = diff @ np.linalg.pinv((model.cov + cov) / 2) @ diff.T  # Eq. 10
    return float(np.squeeze(np.sqrt(quality)))


def niqe(
    img: np.ndarray,
    crop_border: int = 0,
    *,
    model: Optional[PristineModel] = None,
) -> float:
    """NIQE of an RGB (or grey) image, equal to BasicSR's ``calculate_niqe(convert_to='y')``.

    RGB images are scored on their BT.601 luma Y; grey images as they are.

    Args:
        img (np.ndarray): (H, W, 3) RGB or (H, W) / (H, W, 1) grey, uint8 or float on
            [0, 255].
        crop_border (int): pixels removed from each side first. Default: 0.
        model (PristineModel, optional): Default: the shipped pristine model.

    Returns:
        float: NIQE, lower is better (about 2 to 5 for clean photographs); NaN for an image
        without texture (see :func:`niqe_gray`).

    Raises:
        ValueError: a negative ``crop_border``, a bad shape, or too small an image.
    """
    img = np.asarray(img)
    if crop_border < 0:
        raise ValueError(f"crop_border must be >= 0, got {crop_border}")
    if img.ndim == 3 and img.shape[2] == 3:
        img = rgb2ycbcr_y(img)
    elif img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    elif img.ndim != 2:
        raise ValueError(f"NIQE expects an (H, W, 3) RGB or (H, W) grey image, got {img.shape}")
    img = img.astype(np.float32)
    if crop_border:
        img = img[crop_border:-crop_border, crop_border:-crop_border]
    return niqe_gray(img.round(), model)


__all__ = [
    "BLOCK_SIZE",
    "PRISTINE_PARAMS_FILE",
    "PristineModel",
    "aggd_fit",
    "block_features",
    "load_pristine_model",
    "niqe",
    "niqe_gray",
]
