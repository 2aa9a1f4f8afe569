"""Real-ESRGAN's second-order degradation model as a library.

Wang et al., "Real-ESRGAN: Training Real-World Blind Super-Resolution with Pure Synthetic
Data", ICCVW 2021 (arXiv 2107.10833). The pieces, each equal to BasicSR 1.4.2's within
float rounding and each drawing from explicit per-sample generators:

* :mod:`.kernels`: the blur-kernel mixture, the 2-D sinc kernel and their sampler (numpy,
  CPU; run per sample in the data workers by :class:`.transforms.RealESRGANKernels`);
* :mod:`.filters`: batched per-image ``filter2d`` and USM sharpening (torch, any device);
* :mod:`.jpeg`: batched JPEG with a quality per image (torch, any device);
* :mod:`.noise`: Gaussian and Poisson noise, colour or grey, per-image generators;
* :mod:`.params`: the per-batch and per-image random parameters, drawn from the seeds;
* :mod:`.pool`: the training-pair pool, its state in the state dict.

``srzoo.models.restorers.realesrgan_degradation`` chains them on the training device.
"""

from srzoo.datasets.degradations.filters import USMSharp, filter2d, usm_sharp
from srzoo.datasets.degradations.jpeg import jpeg_compress
from srzoo.datasets.degradations.kernels import (
    BlurOptions,
    bivariate_kernel,
    circular_lowpass_kernel,
    draw_kernel_params,
    sample_kernels,
)
from srzoo.datasets.degradations.noise import gaussian_noise, poisson_noise, sample_generators
from srzoo.datasets.degradations.params import BatchDraw, StageOptions, draw_batch
from srzoo.datasets.degradations.pool import TrainingPairPool
from srzoo.datasets.degradations.transforms import (
    PackRealESRGANInputs,
    RandomCropPadGT,
    RealESRGANKernels,
)

__all__ = [
    "BatchDraw",
    "BlurOptions",
    "PackRealESRGANInputs",
    "RandomCropPadGT",
    "RealESRGANKernels",
    "StageOptions",
    "TrainingPairPool",
    "USMSharp",
    "bivariate_kernel",
    "circular_lowpass_kernel",
    "draw_batch",
    "draw_kernel_params",
    "filter2d",
    "gaussian_noise",
    "jpeg_compress",
    "poisson_noise",
    "sample_generators",
    "sample_kernels",
    "usm_sharp",
]
