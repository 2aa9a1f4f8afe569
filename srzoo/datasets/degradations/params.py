"""The random parameters of Real-ESRGAN's second-order degradation, drawn per sample seed.

Real-ESRGAN (Wang et al., ICCVW 2021, arXiv 2107.10833, Sec. 3) and its
``realesrgan_model.py`` draw some choices once per batch (the resize direction, scale and
mode, Gaussian or Poisson, whether the second blur happens, the order of the final sinc
and JPEG, the crop position, the pool shuffle: all images of a batch must keep one size)
and others per image (noise level, grey or colour, JPEG quality). Here the per-image
values come from a numpy ``Generator`` seeded by the image's own seed, and the per-batch
ones from a generator seeded by all seeds of the batch, so the same sample indices give
the same degradation in any run, resumed or not. Nothing reads a global RNG.
"""

from dataclasses import dataclass
from typing import Any, Mapping, Sequence, Tuple

import numpy as np

RESIZE_MODES = ("area", "bilinear", "bicubic")
RESIZE_DIRECTIONS = ("up", "down", "keep")
# Stream tags of a sample's seed sequence: 1 = kernels (kernels.KERNEL_STREAM, CPU workers),
# 2 = per-image scalars (here), 3 / 4 = noise fields of stage 1 / 2 (torch generators).
SCALAR_STREAM, NOISE_STREAMS, BATCH_STREAM = 2, (3, 4), 5


@dataclass(frozen=True)
class StageOptions:
    """One degradation stage's distribution (Real-ESRGAN's option names, without the "2").

    Attributes:
        resize_prob: Probabilities of (up, down, keep).
        resize_range: (low, high) scale; up draws U(1, high), down U(low, 1).
        gaussian_noise_prob: Probability of Gaussian (else Poisson) noise.
        noise_range: Gaussian sigma range on the 255 scale.
        poisson_scale_range: Poisson noise multiplier range.
        gray_noise_prob: Probability, per image, of grey noise.
        jpeg_range: JPEG quality range.
        blur_prob: Probability of blurring (1 in stage 1; ``second_blur_prob`` in stage 2).
    """

    resize_prob: Tuple[float, float, float] = (0.2, 0.7, 0.1)
    resize_range: Tuple[float, float] = (0.15, 1.5)
    gaussian_noise_prob: float = 0.5
    noise_range: Tuple[float, float] = (1.0, 30.0)
    poisson_scale_range: Tuple[float, float] = (0.05, 3.0)
    gray_noise_prob: float = 0.4
    jpeg_range: Tuple[float, float] = (30.0, 95.0)
    blur_prob: float = 1.0

    def __post_init__(self) -> None:
        low, high = self.resize_range
        if len(self.resize_prob) != 3 or min(self.resize_prob) < 0 or sum(self.resize_prob) <= 0:
            raise ValueError(f"resize_prob must be 3 non-negative weights, got {self.resize_prob}")
        if not 0 < low <= 1 <= high:
            raise ValueError(f"resize_range must satisfy 0 < low <= 1 <= high, got {low, high}")
        q_low, q_high = self.jpeg_range
        if not 0 < q_low <= q_high <= 100:
            raise ValueError(f"jpeg_range must lie in (0, 100], got {self.jpeg_range}")


def stage_options(options: Mapping[str, Any], stage: int) -> StageOptions:
    """A :class:`StageOptions` from Real-ESRGAN's flat option names for ``stage`` 1 or 2
    (``resize_prob`` / ``resize_prob2`` ...; ``second_blur_prob`` for stage 2's blur)."""
    suffix = "" if stage == 1 else "2"
    names = ("resize_prob", "resize_range", "gaussian_noise_prob", "noise_range")
    names += ("poisson_scale_range", "gray_noise_prob", "jpeg_range")
    found = {n: options[n + suffix] for n in names if n + suffix in options}
    found = {k: tuple(v) if isinstance(v, (list, tuple)) else v for k, v in found.items()}
    if stage == 2 and "second_blur_prob" in options:
        found["blur_prob"] = options["second_blur_prob"]
    return StageOptions(**found)


@dataclass(frozen=True)
class StageDraw:
    """The drawn parameters of one stage for a batch of N images.

    Attributes:
        blur: Whether the stage blurs (per batch).
        direction: ``"up"``, ``"down"`` or ``"keep"`` (per batch).
        scale: The resize scale (per batch).
        mode: ``"area"``, ``"bilinear"`` or ``"bicubic"`` (per batch).
        gaussian: Gaussian (True) or Poisson noise (per batch).
        sigma: (N,) Gaussian sigmas on the 255 scale (drawn whether used or not).
        poisson_scale: (N,) Poisson multipliers (drawn whether used or not).
        gray: (N,) bool, grey noise.
        jpeg_quality: (N,) JPEG qualities.
    """

    blur: bool
    direction: str
    scale: float
    mode: str
    gaussian: bool
    sigma: np.ndarray
    poisson_scale: np.ndarray
    gray: np.ndarray
    jpeg_quality: np.ndarray


@dataclass(frozen=True)
class BatchDraw:
    """Every random choice of one degradation batch (see the module docstring).

    Attributes:
        first: Stage 1.
        second: Stage 2 (its JPEG quality is the final JPEG's).
        sinc_first: True for [resize back + sinc] then JPEG; False for the reverse order.
        final_mode: Interpolation mode of the resize back to the LR size.
        crop_unit: Two numbers in [0, 1) that place the paired random crop (top, left).
        pool_order: A permutation seed source for the training-pair pool (an int).
    """

    first: StageDraw
    second: StageDraw
    sinc_first: bool
    final_mode: str
    crop_unit: Tuple[float, float]
    pool_order: int


def _batch_choice(
    rng: np.random.Generator, opts: StageOptions
) -> Tuple[bool, str, float, str, bool]:
    prob = np.asarray(opts.resize_prob, dtype=np.float64)
    blur = bool(rng.uniform() < opts.blur_prob)
    direction = RESIZE_DIRECTIONS[int(rng.choice(3, p=prob / prob.sum()))]
    scale = 1.0
    if direction == "up":
        scale = float(rng.uniform(1, opts.resize_range[1]))
    elif direction == "down":
        scale = float(rng.uniform(opts.resize_range[0], 1))
    mode = RESIZE_MODES[int(rng.integers(3))]
    return blur, direction, scale, mode, bool(rng.uniform() < opts.gaussian_noise_prob)


def _per_image(rngs: Sequence[np.random.Generator], opts: StageOptions) -> Tuple[np.ndarray, ...]:
    """(sigma, poisson_scale, gray, jpeg_quality), each (N,), four draws per image."""
    rows = [
        (
            rng.uniform(*opts.noise_range),
            rng.uniform(*opts.poisson_scale_range),
            rng.uniform() < opts.gray_noise_prob,
            rng.uniform(*opts.jpeg_range),
        )
        for rng in rngs
    ]
    sigma, pscale, gray, quality = (np.array(col) for col in zip(*rows))
    return sigma, pscale, gray.astype(bool), quality


def draw_batch(seeds: Sequence[int], first: StageOptions, second: StageOptions) -> BatchDraw:
    """Draw a batch's degradation parameters from its samples' seeds.

    Args:
        seeds: One seed per image (its ``SeededIndex.sample_seed``), N >= 1.
        first: Stage 1's distribution.
        second: Stage 2's distribution.

    Returns:
        The :class:`BatchDraw`; equal seeds give an equal draw.

    Raises:
        ValueError: No seeds.
    """
    if len(seeds) == 0:
        raise ValueError("draw_batch needs at least one seed")
    batch = np.random.default_rng([BATCH_STREAM, *map(int, seeds)])
    rngs = [np.random.default_rng([int(s), SCALAR_STREAM]) for s in seeds]
    stages = []
    for opts in (first, second):
        blur, direction, scale, mode, gaussian = _batch_choice(batch, opts)
        sigma, pscale, gray, quality = _per_image(rngs, opts)
        stages.append(
            StageDraw(blur, direction, scale, mode, gaussian, sigma, pscale, gray, quality)
        )
    return BatchDraw(
        first=stages[0],
        second=stages[1],
        sinc_first=bool(batch.uniform() < 0.5),
        final_mode=RESIZE_MODES[int(batch.integers(3))],
        crop_unit=(float(batch.uniform()), float(batch.uniform())),
        pool_order=int(batch.integers(2**63)),
    )
