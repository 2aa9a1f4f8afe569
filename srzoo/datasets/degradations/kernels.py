"""Blur kernels of Real-ESRGAN's degradation model, and a per-sample seeded sampler.

Wang et al., "Real-ESRGAN: Training Real-World Blind Super-Resolution with Pure Synthetic
Data", ICCVW 2021 (arXiv 2107.10833), Sec. 3.2; reference implementation: BasicSR 1.4.2
``basicsr/data/degradations.py`` and Real-ESRGAN's ``realesrgan_dataset.py``. The kernel
formulas equal BasicSR's to float precision; the random draws come from an explicit numpy
``Generator`` (never a global RNG), so a sample's kernels are a function of its seed.

Every kernel is a float64 (k, k) array, k odd, that sums to 1. The pixel grid is
``x, y in -(k // 2) .. k // 2`` with x along the columns and y along the rows.
"""

import math
from dataclasses import dataclass
from typing import Any, Dict, Sequence, Tuple

import numpy as np
import torch

KERNEL_TYPES = (
    "iso",
    "aniso",
    "generalized_iso",
    "generalized_aniso",
    "plateau_iso",
    "plateau_aniso",
)
# Radial profile of the mixture members by name prefix (see bivariate_kernel); else Gaussian.
_SHAPE = {"generalized": "generalized_gaussian", "plateau": "plateau"}


def _check_odd(kernel_size: int) -> None:
    if kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be a positive odd int, got {kernel_size}")


def _quadratic_form(kernel_size: int, sig_x: float, sig_y: float, theta: float) -> np.ndarray:
    """``[x y] S^-1 [x y]^T`` on the grid, ``S = R(theta) diag(sig_x^2, sig_y^2) R(theta)^T``."""
    ax = np.arange(-(kernel_size // 2), kernel_size // 2 + 1, dtype=np.float64)
    xx, yy = np.meshgrid(ax, ax)
    grid = np.stack([xx, yy], axis=-1)
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    sigma = rot @ np.diag([sig_x**2, sig_y**2]) @ rot.T
    return np.sum((grid @ np.linalg.inv(sigma)) * grid, axis=-1)


def bivariate_kernel(
    shape: str,
    kernel_size: int,
    sig_x: float,
    sig_y: float = 0.0,
    theta: float = 0.0,
    beta: float = 1.0,
    *,
    isotropic: bool = True,
) -> np.ndarray:
    """A normalised anisotropic Gaussian, generalised Gaussian or plateau kernel.

    With the quadratic form ``q = [x y] S^-1 [x y]^T`` (see :func:`_quadratic_form`):
    ``gaussian`` is ``exp(-q / 2)``, ``generalized_gaussian`` ``exp(-q^beta / 2)`` and
    ``plateau`` ``1 / (q^beta + 1)``, each divided by its sum (BasicSR's
    ``bivariate_Gaussian``, ``bivariate_generalized_Gaussian``, ``bivariate_plateau``).

    Args:
        shape: ``"gaussian"``, ``"generalized_gaussian"`` or ``"plateau"``.
        kernel_size: Odd side length k.
        sig_x: Standard deviation along the first principal axis.
        sig_y: Along the second axis; ignored when ``isotropic``.
        theta: Rotation of the principal axes in radians; ignored when ``isotropic``.
        beta: Shape exponent (not used by ``gaussian``).
        isotropic: Use ``S = sig_x^2 I``.

    Returns:
        float64 array (k, k) summing to 1.

    Raises:
        ValueError: An unknown shape or an even kernel size.
    """
    _check_odd(kernel_size)
    if isotropic:
        sig_y, theta = sig_x, 0.0
    q = _quadratic_form(kernel_size, sig_x, sig_y, theta)
    if shape == "gaussian":
        kernel = np.exp(-0.5 * q)
    elif shape == "generalized_gaussian":
        kernel = np.exp(-0.5 * np.power(q, beta))
    elif shape == "plateau":
        kernel = np.reciprocal(np.power(q, beta) + 1)
    else:
        raise ValueError(f"shape must be gaussian, generalized_gaussian or plateau, got {shape!r}")
    return kernel / np.sum(kernel)


def pad_kernel(kernel: np.ndarray, size: int) -> np.ndarray:
    """Zero-pad a (k, k) kernel to (size, size), centred; unchanged when ``size <= k``."""
    pad = max(0, (size - kernel.shape[-1]) // 2)
    return np.pad(kernel, ((pad, pad), (pad, pad))) if pad else kernel


def circular_lowpass_kernel(cutoff: float, kernel_size: int, pad_to: int = 0) -> np.ndarray:
    """2-D sinc kernel: the ideal circular low-pass filter with cutoff ``omega_c``.

    ``k(r) = omega_c J1(omega_c r) / (2 pi r)`` with ``k(0) = omega_c^2 / (4 pi)``,
    normalised to sum 1 (BasicSR's ``circular_lowpass_kernel``; J1 is the Bessel function
    of the first kind, order 1).

    Args:
        cutoff: Cutoff frequency ``omega_c`` in radians per pixel.
        kernel_size: Odd side length k.
        pad_to: Zero-pad to this size when larger than k. Default: 0 (no padding).

    Returns:
        float64 array (max(k, pad_to),) * 2.

    Raises:
        ValueError: An even kernel size.
    """
    _check_odd(kernel_size)
    ax = np.arange(kernel_size, dtype=np.float64) - (kernel_size - 1) / 2
    r = np.sqrt(ax[:, None] ** 2 + ax[None, :] ** 2)
    j1 = torch.special.bessel_j1(torch.from_numpy(cutoff * r)).numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        kernel = cutoff * j1 / (2 * np.pi * r)
    centre = (kernel_size - 1) // 2
    kernel[centre, centre] = cutoff**2 / (4 * np.pi)
    return pad_kernel(kernel / np.sum(kernel), pad_to)


def pulse_kernel(size: int) -> np.ndarray:
    """The identity filter: a (size, size) array with a 1 at the centre."""
    _check_odd(size)
    kernel = np.zeros((size, size))
    kernel[size // 2, size // 2] = 1.0
    return kernel


@dataclass(frozen=True)
class BlurOptions:
    """The blur-kernel distribution of one degradation stage (Real-ESRGAN option names).

    Attributes:
        kernel_list: Mixture members, a subset of :data:`KERNEL_TYPES`.
        kernel_prob: Their probabilities (normalised when drawing).
        sinc_prob: Probability of a 2-D sinc kernel instead of the mixture.
        blur_sigma: (low, high) range of both standard deviations.
        betag_range: (low, high) of beta for the generalised Gaussians.
        betap_range: (low, high) of beta for the plateau kernels.
        blur_kernel_size: Largest side; sizes 7, 9, ..., this are drawn uniformly and
            every kernel is padded to it. Default: 21.
    """

    kernel_list: Tuple[str, ...] = KERNEL_TYPES
    kernel_prob: Tuple[float, ...] = (0.45, 0.25, 0.12, 0.03, 0.12, 0.03)
    sinc_prob: float = 0.1
    blur_sigma: Tuple[float, float] = (0.2, 3.0)
    betag_range: Tuple[float, float] = (0.5, 4.0)
    betap_range: Tuple[float, float] = (1.0, 2.0)
    blur_kernel_size: int = 21

    def __post_init__(self) -> None:
        _check_odd(self.blur_kernel_size)
        if self.blur_kernel_size < 7:
            raise ValueError(f"blur_kernel_size must be >= 7, got {self.blur_kernel_size}")
        unknown = set(self.kernel_list) - set(KERNEL_TYPES)
        if unknown or len(self.kernel_list) != len(self.kernel_prob):
            raise ValueError(
                f"kernel_list must name kernels of {KERNEL_TYPES} with one kernel_prob each; "
                f"got {self.kernel_list} and {self.kernel_prob}"
            )

    @property
    def kernel_sizes(self) -> Tuple[int, ...]:
        """The odd sizes drawn uniformly: 7 .. blur_kernel_size."""
        return tuple(range(7, self.blur_kernel_size + 1, 2))


def _draw_beta(rng: np.random.Generator, low: float, high: float) -> float:
    """BasicSR's beta draw: U(low, 1) or U(1, high), each with probability 1/2."""
    return float(rng.uniform(low, 1) if rng.uniform() < 0.5 else rng.uniform(1, high))


def draw_blur_params(rng: np.random.Generator, opts: BlurOptions) -> Dict[str, Any]:
    """Draw one first- or second-stage blur kernel's parameters as Real-ESRGAN's dataset does.

    Size uniform over ``opts.kernel_sizes``; with ``sinc_prob`` a sinc kernel with
    ``omega_c ~ U(pi/3, pi)`` for sizes below 13, else ``U(pi/5, pi)``; otherwise a
    mixture member chosen with ``kernel_prob``, ``sigma_x, sigma_y ~ U(blur_sigma)``,
    ``theta ~ U(-pi, pi)`` for the anisotropic ones and beta from the member's range.

    Args:
        rng: The sample's generator.
        opts: The stage's distribution.

    Returns:
        ``type`` (``"sinc"`` or a mixture member), ``kernel_size``, and ``cutoff`` or
        ``sig_x``, ``sig_y``, ``theta``, ``beta``; :func:`make_kernel` builds the kernel.
    """
    size = int(rng.choice(opts.kernel_sizes))
    if rng.uniform() < opts.sinc_prob:
        low = np.pi / 3 if size < 13 else np.pi / 5
        return dict(type="sinc", kernel_size=size, cutoff=float(rng.uniform(low, np.pi)))
    prob = np.asarray(opts.kernel_prob, dtype=np.float64)
    kind = opts.kernel_list[int(rng.choice(len(prob), p=prob / prob.sum()))]
    family = kind.split("_")[0]
    sig_x = float(rng.uniform(*opts.blur_sigma))
    sig_y, theta = sig_x, 0.0
    if kind.endswith("aniso"):
        sig_y = float(rng.uniform(*opts.blur_sigma))
        theta = float(rng.uniform(-np.pi, np.pi))
    beta = 1.0
    if family == "generalized":
        beta = _draw_beta(rng, *opts.betag_range)
    elif family == "plateau":
        beta = _draw_beta(rng, *opts.betap_range)
    return dict(type=kind, kernel_size=size, sig_x=sig_x, sig_y=sig_y, theta=theta, beta=beta)


def draw_final_sinc_params(rng: np.random.Generator, prob: float, size: int = 21) -> Dict[str, Any]:
    """The final filter's parameters: with ``prob`` a sinc (size uniform over 7 .. size,
    ``omega_c ~ U(pi/3, pi)``), else ``dict(type="pulse")`` (no filtering)."""
    if rng.uniform() < prob:
        kernel_size = int(rng.choice(np.arange(7, size + 1, 2)))
        return dict(
            type="sinc", kernel_size=kernel_size, cutoff=float(rng.uniform(np.pi / 3, np.pi))
        )
    return dict(type="pulse")


def make_kernel(params: Dict[str, Any], size: int) -> np.ndarray:
    """The float64 (size, size) kernel of drawn ``params`` (zero-padded to ``size``).

    Raises:
        ValueError: An unknown ``type``.
    """
    kind = params["type"]
    if kind == "pulse":
        return pulse_kernel(size)
    if kind == "sinc":
        return circular_lowpass_kernel(params["cutoff"], params["kernel_size"], pad_to=size)
    if kind not in KERNEL_TYPES:
        raise ValueError(f"unknown kernel type {kind!r}; expected sinc, pulse or {KERNEL_TYPES}")
    shape = _SHAPE.get(kind.split("_")[0], "gaussian")
    args = (params["sig_x"], params["sig_y"], params["theta"], params["beta"])
    kernel = bivariate_kernel(
        shape, params["kernel_size"], *args, isotropic=not kind.endswith("aniso")
    )
    return pad_kernel(kernel, size)


# Stream tag of the kernel draws in a sample's seed sequence (see params.py for the others).
KERNEL_STREAM = 1


def draw_kernel_params(
    seed: int, first: BlurOptions, second: BlurOptions, final_sinc_prob: float
) -> Dict[str, Dict[str, Any]]:
    """The drawn parameters of a sample's ``kernel1``, ``kernel2`` and ``sinc_kernel``, from a
    numpy generator seeded by ``(seed, KERNEL_STREAM)``; a pure function of its arguments."""
    rng = np.random.default_rng([int(seed), KERNEL_STREAM])
    return dict(
        kernel1=draw_blur_params(rng, first),
        kernel2=draw_blur_params(rng, second),
        sinc_kernel=draw_final_sinc_params(rng, final_sinc_prob, second.blur_kernel_size),
    )


def sample_kernels(
    seed: int,
    first: BlurOptions,
    second: BlurOptions,
    final_sinc_prob: float,
) -> Dict[str, Any]:
    """The three kernels of one training sample, a pure function of its ``seed``.

    Args:
        seed: The sample's seed (from ``ResumableInfiniteSampler``'s ``SeededIndex``).
        first: Blur distribution of the first degradation.
        second: Blur distribution of the second degradation.
        final_sinc_prob: Probability of a sinc (not a pulse) as the final filter.

    Returns:
        ``kernel1``, ``kernel2``, ``sinc_kernel`` (float32 arrays, each padded to its
        stage's ``blur_kernel_size``; the final one to ``second.blur_kernel_size``) and
        ``kernel_params``: their :func:`draw_kernel_params`, for logging and inspection.
    """
    params = draw_kernel_params(seed, first, second, final_sinc_prob)
    sizes = dict(
        kernel1=first.blur_kernel_size,
        kernel2=second.blur_kernel_size,
        sinc_kernel=second.blur_kernel_size,
    )
    out: Dict[str, Any] = {
        name: make_kernel(params[name], size).astype(np.float32) for name, size in sizes.items()
    }
    out["kernel_params"] = params
    return out


def blur_options(options: Dict[str, Any], suffix: str = "") -> BlurOptions:
    """A :class:`BlurOptions` from Real-ESRGAN's option names (``suffix="2"`` for the second
    stage: ``kernel_list2``, ``blur_sigma2`` ...); missing names keep the defaults."""
    names: Sequence[str] = (
        "kernel_list",
        "kernel_prob",
        "sinc_prob",
        "blur_sigma",
        "betag_range",
        "betap_range",
        "blur_kernel_size",
    )
    found = {n: options[n + suffix] for n in names if n + suffix in options}
    return BlurOptions(**{k: tuple(v) if isinstance(v, list) else v for k, v in found.items()})
