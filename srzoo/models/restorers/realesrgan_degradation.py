"""Real-ESRGAN's second-order degradation, batched on the training device.

Wang et al., "Real-ESRGAN: Training Real-World Blind Super-Resolution with Pure Synthetic
Data", ICCVW 2021 (arXiv 2107.10833), Sec. 3; reference: ``feed_data`` of Real-ESRGAN's
``realesrgan_model.py`` / ``realesrnet_model.py``. From GT patches and the kernels sampled
in the data workers (:class:`srzoo.datasets.degradations.RealESRGANKernels`):

1. USM-sharpen the GT (the LQ is made from the sharpened GT, as the reference does);
2. stage 1: blur, random resize, Gaussian or Poisson noise, JPEG;
3. stage 2: blur (``second_blur_prob``), random resize, noise;
4. resize to the LR size + final sinc filter, and JPEG, in a random order; round to 8 bits;
5. paired random crop (``gt_size``), training-pair pool (``queue_size``), USM of the GT.

Every random draw comes from the samples' seeds (``srzoo.datasets.degradations.params``
and per-image torch generators), so equal sample seeds give bit-identical LQ on a device.
"""

from typing import Dict, List, NamedTuple, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from srzoo.datasets.degradations import (
    StageOptions,
    TrainingPairPool,
    USMSharp,
    draw_batch,
    filter2d,
    gaussian_noise,
    jpeg_compress,
    poisson_noise,
    sample_generators,
)
from srzoo.datasets.degradations.params import NOISE_STREAMS, BatchDraw, StageDraw

__all__ = ["DegradedBatch", "GT_USM_MODES", "RealESRGANDegradation", "loss_targets"]

# How the GT targets are sharpened: Real-ESRGAN (plain GT pooled, USM after the pool),
# Real-ESRNet with gt_usm=True (the sharpened GT is the only target), or no USM at all.
GT_USM_MODES = ("after_pool", "before_degradation", "none")
Pair = Tuple[float, float]


class DegradedBatch(NamedTuple):
    """A training batch made by :class:`RealESRGANDegradation`.

    Attributes:
        lq: (N, C, P/s, P/s) in [0, 1], multiples of 1/255.
        gt: (N, C, P, P) GT (USM-sharpened in ``"before_degradation"`` mode).
        gt_usm: (N, C, P, P) USM-sharpened GT (``gt`` itself in mode ``"none"``).
    """

    lq: torch.Tensor
    gt: torch.Tensor
    gt_usm: torch.Tensor


def _interpolate(x: torch.Tensor, mode: str, **size) -> torch.Tensor:
    return F.interpolate(x, mode=mode, **size)


class RealESRGANDegradation(nn.Module):
    """Makes (LQ, GT) training pairs from GT patches, on the patches' device.

    Option names and defaults are those of Real-ESRGAN's
    ``options/train_realesrgan_x4plus.yml`` (stage 2's end in ``2``).

    Args:
        scale: Upscale factor s; GT sides must be multiples of it. Default: 4.
        gt_size: Side P of the GT crop after degradation. Default: 256.
        queue_size: Training-pair pool size (0: none); a multiple of the batch. Default: 180.
        resize_prob, resize_range, gaussian_noise_prob, noise_range, poisson_scale_range,
            gray_noise_prob, jpeg_range: Stage 1 (see
            :class:`srzoo.datasets.degradations.StageOptions`).
        second_blur_prob: Probability of stage 2's blur. Default: 0.8.
        resize_prob2 ... jpeg_range2: Stage 2; ``jpeg_range2`` is the final JPEG's.
        gt_usm: One of :data:`GT_USM_MODES`. Default: ``"after_pool"`` (Real-ESRGAN).
        usm_separable: Separable USM blur (see ``USMSharp``). Default: True.

    Raises:
        ValueError: Invalid options.
    """

    def __init__(
        self,
        *,
        scale: int = 4,
        gt_size: int = 256,
        queue_size: int = 180,
        resize_prob: Tuple[float, float, float] = (0.2, 0.7, 0.1),
        resize_range: Pair = (0.15, 1.5),
        gaussian_noise_prob: float = 0.5,
        noise_range: Pair = (1.0, 30.0),
        poisson_scale_range: Pair = (0.05, 3.0),
        gray_noise_prob: float = 0.4,
        jpeg_range: Pair = (30.0, 95.0),
        second_blur_prob: float = 0.8,
        resize_prob2: Tuple[float, float, float] = (0.3, 0.4, 0.3),
        resize_range2: Pair = (0.3, 1.2),
        gaussian_noise_prob2: float = 0.5,
        noise_range2: Pair = (1.0, 25.0),
        poisson_scale_range2: Pair = (0.05, 2.5),
        gray_noise_prob2: float = 0.4,
        jpeg_range2: Pair = (30.0, 95.0),
        gt_usm: str = "after_pool",
        usm_separable: bool = True,
    ) -> None:
        super().__init__()
        if int(scale) != scale or scale < 1 or gt_size % scale or gt_size < 1:
            raise ValueError(f"need a positive scale dividing gt_size, got {scale}, {gt_size}")
        if gt_usm not in GT_USM_MODES:
            raise ValueError(f"gt_usm must be one of {GT_USM_MODES}, got {gt_usm!r}")
        self.scale, self.gt_size, self.gt_usm = int(scale), int(gt_size), gt_usm
        self.first = StageOptions(
            resize_prob=tuple(resize_prob),
            resize_range=tuple(resize_range),
            gaussian_noise_prob=gaussian_noise_prob,
            noise_range=tuple(noise_range),
            poisson_scale_range=tuple(poisson_scale_range),
            gray_noise_prob=gray_noise_prob,
            jpeg_range=tuple(jpeg_range),
        )
        self.second = StageOptions(
            resize_prob=tuple(resize_prob2),
            resize_range=tuple(resize_range2),
            gaussian_noise_prob=gaussian_noise_prob2,
            noise_range=tuple(noise_range2),
            poisson_scale_range=tuple(poisson_scale_range2),
            gray_noise_prob=gray_noise_prob2,
            jpeg_range=tuple(jpeg_range2),
            blur_prob=second_blur_prob,
        )
        self.usm = USMSharp(separable=usm_separable)
        self.pool = TrainingPairPool(queue_size)

    def check_size(self, h: int, w: int, kernel_size: int, sinc_size: int) -> None:
        """Raise ``ValueError`` unless (h, w) GT can go through the pipeline: sides that are
        multiples of the scale, at least ``gt_size``, and large enough for every reflect
        padding (USM, the second blur after the smallest stage-1 resize, the final sinc)."""
        s, low = self.scale, self.first.resize_range[0]
        small = min(h, w)
        needs = {
            "a multiple of the scale": h % s == 0 and w % s == 0,
            f"at least gt_size={self.gt_size}": small >= self.gt_size,
            "larger than the USM radius": small > self.usm.kernel.shape[-1] // 2,
            "large enough for stage 2's blur after the smallest resize": int(small * low)
            > kernel_size // 2,
            "large enough for the final sinc at the LR size": small // s > sinc_size // 2,
        }
        failed = [what for what, ok in needs.items() if not ok]
        if failed:
            raise ValueError(
                f"GT patches of {h}x{w} at scale {s} must be: {'; '.join(failed)} "
                "(Real-ESRGAN degrades 400x400 GT patches)"
            )

    def _noise(self, x: torch.Tensor, draw: StageDraw, gens: List[torch.Generator]):
        gray = torch.as_tensor(draw.gray)
        if draw.gaussian:
            noise = gaussian_noise(x, torch.as_tensor(draw.sigma), gray, gens)
        else:
            noise = poisson_noise(x, torch.as_tensor(draw.poisson_scale), gray, gens)
        return torch.clamp(x + noise, 0, 1)

    def _jpeg(self, x: torch.Tensor, quality) -> torch.Tensor:
        quality = torch.as_tensor(quality, dtype=torch.float32, device=x.device)
        return jpeg_compress(torch.clamp(x, 0, 1), quality)

    def synthesize(
        self,
        gt: torch.Tensor,
        kernels: Tuple[torch.Tensor, torch.Tensor, torch.Tensor],
        draw: BatchDraw,
        seeds: Sequence[int],
    ) -> torch.Tensor:
        """The two degradation stages and the final step on whole (N, C, H, W) images.

        Args:
            gt: (N, C, H, W) in [0, 1], the image to degrade (the sharpened GT).
            kernels: ``kernel1``, ``kernel2``, ``sinc_kernel``, each (N, k, k).
            draw: The batch's :func:`draw_batch`.
            seeds: The N sample seeds (for the noise generators).

        Returns:
            LQ (N, C, H/s, W/s) in [0, 1], rounded to multiples of 1/255.
        """
        kernel1, kernel2, sinc = (k.to(gt) for k in kernels)
        h, w = gt.shape[-2:]
        gens1, gens2 = (sample_generators(seeds, s, gt.device) for s in NOISE_STREAMS)
        one, two = draw.first, draw.second
        x = _interpolate(filter2d(gt, kernel1), one.mode, scale_factor=one.scale)
        x = self._jpeg(self._noise(x, one, gens1), one.jpeg_quality)
        if two.blur:
            x = filter2d(x, kernel2)
        size = (int(h / self.scale * two.scale), int(w / self.scale * two.scale))
        x = self._noise(_interpolate(x, two.mode, size=size), two, gens2)
        lr_size = (h // self.scale, w // self.scale)
        if draw.sinc_first:
            x = filter2d(_interpolate(x, draw.final_mode, size=lr_size), sinc)
            x = self._jpeg(x, two.jpeg_quality)
        else:
            x = self._jpeg(x, two.jpeg_quality)
            x = filter2d(_interpolate(x, draw.final_mode, size=lr_size), sinc)
        return torch.clamp((x * 255.0).round(), 0, 255) / 255.0

    def _crop(self, lq: torch.Tensor, gt: torch.Tensor, unit: Pair):
        """The paired crop: LQ (P/s)^2 at one drawn position for the batch, GT s times it."""
        patch, s = self.gt_size // self.scale, self.scale
        top = int(unit[0] * (lq.shape[-2] - patch + 1))
        left = int(unit[1] * (lq.shape[-1] - patch + 1))
        lq = lq[..., top : top + patch, left : left + patch]
        gt = gt[..., top * s : (top + patch) * s, left * s : (left + patch) * s]
        return lq.contiguous(), gt.contiguous()

    @torch.no_grad()
    def forward(
        self,
        gt: torch.Tensor,
        kernel1: torch.Tensor,
        kernel2: torch.Tensor,
        sinc_kernel: torch.Tensor,
        seeds: Sequence[int],
    ) -> DegradedBatch:
        """Make a training batch from GT patches, their kernels and their seeds.

        Args:
            gt: (N, C, H, W) GT patches in [0, 1] on the training device (Real-ESRGAN: 400^2).
            kernel1, kernel2, sinc_kernel: (N, k, k) kernels from ``RealESRGANKernels``.
            seeds: The N samples' seeds (``sample_seed``).

        Returns:
            :class:`DegradedBatch` with crops of ``gt_size``, after the pool.

        Raises:
            ValueError: Too few seeds or kernels, GT patches too small or not multiples of
                the scale, or a pool size that is not a multiple of N.
        """
        n, _, h, w = gt.shape
        if len(seeds) != n or any(k.shape[0] != n for k in (kernel1, kernel2, sinc_kernel)):
            raise ValueError(f"need {n} seeds and {n} kernels of each kind for {n} images")
        self.check_size(h, w, kernel2.shape[-1], sinc_kernel.shape[-1])
        draw = draw_batch(seeds, self.first, self.second)
        sharp = gt if self.gt_usm == "none" else self.usm(gt)
        lq = self.synthesize(sharp, (kernel1, kernel2, sinc_kernel), draw, seeds)
        target = sharp if self.gt_usm == "before_degradation" else gt
        lq, target = self._crop(lq, target, draw.crop_unit)
        lq, target = self.pool(lq, target, draw.pool_order)
        gt_usm = self.usm(target) if self.gt_usm == "after_pool" else target
        return DegradedBatch(lq=lq, gt=target, gt_usm=gt_usm)

    def extra_repr(self) -> str:
        """Scale, crop, pool size and USM mode."""
        return (
            f"scale={self.scale}, gt_size={self.gt_size}, "
            f"queue_size={self.pool.size}, gt_usm={self.gt_usm!r}"
        )


def loss_targets(
    gt: torch.Tensor,
    gt_usm: torch.Tensor,
    *,
    l1_gt_usm: bool,
    percep_gt_usm: bool,
    gan_gt_usm: bool,
) -> Dict[str, torch.Tensor]:
    """Real-ESRGAN's loss targets ``pixel``, ``perceptual`` and ``gan`` (each (N, C, P, P)):
    ``gt_usm`` where the flag is set, else ``gt`` (x4plus: True, True, False)."""
    pick = {True: gt_usm, False: gt}
    return dict(pixel=pick[l1_gt_usm], perceptual=pick[percep_gt_usm], gan=pick[gan_gt_usm])
