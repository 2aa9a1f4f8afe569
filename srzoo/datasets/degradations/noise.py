"""Gaussian and Poisson noise for a batch, each image from its own seeded generator.

Real-ESRGAN (Wang et al., ICCVW 2021, arXiv 2107.10833, Sec. 3.1) adds additive Gaussian
noise (sigma on the 255 scale) or Poisson (shot) noise, in colour (independent per channel)
or grey (one field for all channels). Reference: BasicSR 1.4.2
``basicsr/data/degradations.py`` (``generate_gaussian_noise_pt``,
``generate_poisson_noise_pt``). The only difference is the random source: each image
draws from its own ``torch.Generator`` (see :func:`sample_generators`), so its noise is a
function of its seed, not of the batch it lands in or of a global RNG. (BasicSR also
draws one grey field for the whole batch; here each image has its own.)
"""

from typing import List, Sequence

import numpy as np
import torch

# ITU-R 601 luma weights, as torchvision's rgb_to_grayscale (used by BasicSR).
_GREY = (0.2989, 0.587, 0.114)


def stream_seed(seed: int, stream: int) -> int:
    """A 64-bit seed for one random stream (``stream``) of one sample (``seed``)."""
    state = np.random.SeedSequence([int(seed), int(stream)]).generate_state(2, dtype=np.uint32)
    return int(state[0]) << 32 | int(state[1])


def sample_generators(
    seeds: Sequence[int], stream: int, device: torch.device
) -> List[torch.Generator]:
    """One ``torch.Generator`` on ``device`` per seed, seeded with ``stream_seed(seed, stream)``."""
    return [torch.Generator(device=device).manual_seed(stream_seed(s, stream)) for s in seeds]


def _check(img: torch.Tensor, values: torch.Tensor, gray: torch.Tensor, generators) -> None:
    n = img.shape[0]
    if img.dim() != 4 or not (values.numel() == gray.numel() == len(generators) == n):
        raise ValueError(
            f"need (N, C, H, W) images with N values, N grey flags and N generators; got "
            f"{tuple(img.shape)}, {values.numel()}, {gray.numel()}, {len(generators)}"
        )


def gaussian_noise(
    img: torch.Tensor,
    sigma: torch.Tensor,
    gray: torch.Tensor,
    generators: Sequence[torch.Generator],
) -> torch.Tensor:
    """Additive Gaussian noise fields for a batch.

    Args:
        img: (N, C, H, W); only its shape, dtype and device are used.
        sigma: (N,) standard deviations on the 255 scale.
        gray: (N,) bool; True gives one (1, H, W) field repeated over the channels.
        generators: N generators on ``img``'s device.

    Returns:
        (N, C, H, W) noise with per-image std ``sigma / 255``.

    Raises:
        ValueError: Mismatched batch sizes.
    """
    _check(img, sigma, gray, generators)
    n, c, h, w = img.shape
    fields = []
    for i in range(n):
        shape = (1 if gray[i] else c, h, w)
        noise = torch.randn(shape, generator=generators[i], device=img.device, dtype=img.dtype)
        fields.append(noise.expand(c, h, w) * (float(sigma[i]) / 255.0))
    return torch.stack(fields)


def _shot_noise(img: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Poisson noise of one (C, H, W) image: quantise to 8 bits, count the distinct levels
    ``v``, scale by ``2 ** ceil(log2 v)`` photons per unit, sample, subtract."""
    img = torch.clamp((img * 255.0).round(), 0, 255) / 255.0
    levels = 2.0 ** np.ceil(np.log2(len(torch.unique(img))))
    return torch.poisson(img * levels, generator=generator) / levels - img


def poisson_noise(
    img: torch.Tensor,
    scale: torch.Tensor,
    gray: torch.Tensor,
    generators: Sequence[torch.Generator],
) -> torch.Tensor:
    """Poisson (shot) noise fields for a batch, as BasicSR's ``generate_poisson_noise_pt``.

    Args:
        img: (N, C, H, W) in [0, 1]; the noise depends on its values.
        scale: (N,) multipliers of the noise.
        gray: (N,) bool; True computes the noise on the luma (0.2989 R + 0.587 G + 0.114 B)
            and repeats it over the channels (C must be 3).
        generators: N generators on ``img``'s device.

    Returns:
        (N, C, H, W) noise.

    Raises:
        ValueError: Mismatched batch sizes.
    """
    _check(img, scale, gray, generators)
    n, c, h, w = img.shape
    fields = []
    for i in range(n):
        x = img[i]
        if gray[i]:
            weights = torch.tensor(_GREY, dtype=img.dtype, device=img.device).view(3, 1, 1)
            x = (x * weights).sum(0, keepdim=True)
        noise = _shot_noise(x, generators[i]).expand(c, h, w)
        fields.append(noise * float(scale[i]))
    return torch.stack(fields)
