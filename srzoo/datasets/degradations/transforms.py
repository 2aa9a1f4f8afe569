"""The CPU-worker side of Real-ESRGAN's degradation: kernel sampling and packing.

Only kernel sampling runs in the data workers (it is per image and cheap on the CPU);
the degradation itself runs batched on the training device
(``srzoo.models.restorers.realesrgan_degradation``). Each sample's kernels are a function
of its seed, ``results["sample_seed"]``: the ``sample_seed`` of the ``SeededIndex`` that
``ResumableInfiniteSampler`` yields, derived from the sample's position in the stream.
"""

from pathlib import Path
from typing import Sequence, Tuple

import cv2
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import BaseDataElement

from srzoo.datasets.degradations.kernels import KERNEL_TYPES, BlurOptions, sample_kernels
from srzoo.datasets.transforms.formatting import to_chw_tensor
from srzoo.registry import TRANSFORMS

_PROB = (0.45, 0.25, 0.12, 0.03, 0.12, 0.03)


def sample_seed_of(results: dict, name: str) -> int:
    """``results["sample_seed"]`` as an int.

    Raises:
        KeyError: It is missing (the sample was not drawn by ``ResumableInfiniteSampler``
            through a dataset that forwards the seed).
    """
    seed = results.get("sample_seed")
    if seed is None:
        raise KeyError(
            f"{name} needs results['sample_seed'], the per-sample seed of "
            "ResumableInfiniteSampler; train with sampler=dict(type='ResumableInfiniteSampler')"
        )
    return int(seed)


@TRANSFORMS.register_module()
class RealESRGANKernels(BaseTransform):
    """Draw a sample's first and second blur kernels and its final sinc filter.

    Real-ESRGAN's ``RealESRGANDataset`` (Wang et al., ICCVW 2021, arXiv 2107.10833) with
    its option names; the defaults are ``options/train_realesrgan_x4plus.yml``. The draws
    come from a numpy generator seeded by ``results["sample_seed"]``.

    Required keys: ``sample_seed``. Added keys: ``kernel1``, ``kernel2``, ``sinc_kernel``
    (float32 (S, S) arrays, S = ``blur_kernel_size``), ``kernel_params`` (the drawn
    parameters).

    Args:
        kernel_list, kernel_prob, sinc_prob, blur_sigma, betag_range, betap_range,
            blur_kernel_size: The first blur (see
            :class:`srzoo.datasets.degradations.kernels.BlurOptions`).
        kernel_list2 ... blur_kernel_size2: The same for the second blur.
        final_sinc_prob: Probability of a sinc final filter (else a pulse). Default: 0.8.

    Raises:
        ValueError: Invalid options (at build).
        KeyError: ``sample_seed`` is missing (at transform).
    """

    def __init__(
        self,
        *,
        kernel_list: Sequence[str] = KERNEL_TYPES,
        kernel_prob: Sequence[float] = _PROB,
        sinc_prob: float = 0.1,
        blur_sigma: Tuple[float, float] = (0.2, 3.0),
        betag_range: Tuple[float, float] = (0.5, 4.0),
        betap_range: Tuple[float, float] = (1.0, 2.0),
        blur_kernel_size: int = 21,
        kernel_list2: Sequence[str] = KERNEL_TYPES,
        kernel_prob2: Sequence[float] = _PROB,
        sinc_prob2: float = 0.1,
        blur_sigma2: Tuple[float, float] = (0.2, 1.5),
        betag_range2: Tuple[float, float] = (0.5, 4.0),
        betap_range2: Tuple[float, float] = (1.0, 2.0),
        blur_kernel_size2: int = 21,
        final_sinc_prob: float = 0.8,
    ) -> None:
        self.first = BlurOptions(
            kernel_list=tuple(kernel_list),
            kernel_prob=tuple(kernel_prob),
            sinc_prob=sinc_prob,
            blur_sigma=tuple(blur_sigma),
            betag_range=tuple(betag_range),
            betap_range=tuple(betap_range),
            blur_kernel_size=blur_kernel_size,
        )
        self.second = BlurOptions(
            kernel_list=tuple(kernel_list2),
            kernel_prob=tuple(kernel_prob2),
            sinc_prob=sinc_prob2,
            blur_sigma=tuple(blur_sigma2),
            betag_range=tuple(betag_range2),
            betap_range=tuple(betap_range2),
            blur_kernel_size=blur_kernel_size2,
        )
        if not 0 <= final_sinc_prob <= 1:
            raise ValueError(f"final_sinc_prob must be in [0, 1], got {final_sinc_prob}")
        self.final_sinc_prob = final_sinc_prob

    def transform(self, results: dict) -> dict:
        """Add the sample's kernels to ``results`` (see the class docstring)."""
        seed = sample_seed_of(results, type(self).__name__)
        results.update(sample_kernels(seed, self.first, self.second, self.final_sinc_prob))
        return results


@TRANSFORMS.register_module()
class RandomCropPadGT(BaseTransform):
    """Real-ESRGAN's "crop or pad to 400": reflect-pad a small GT, random-crop a large one.

    ``RealESRGANDataset.__getitem__`` of Real-ESRGAN: a side shorter than ``size`` is
    padded at the bottom / right (``cv2.BORDER_REFLECT_101``), then a ``size`` x ``size``
    window is cropped at a random position (numpy's global RNG, which the dataset seeds
    per sample). Unlike ``RandomCropGT``, no image is too small, so the start-up data check
    does not ask for a minimum size.

    Required keys: ``gt`` (H, W[, C]). Modified keys: ``gt`` (size, size[, C]).

    Args:
        size: Side of the output (Real-ESRGAN: 400). Default: 400.

    Raises:
        ValueError: A size that is not a positive int.
    """

    def __init__(self, size: int = 400) -> None:
        if isinstance(size, bool) or int(size) != size or size < 1:
            raise ValueError(f"size must be a positive int, got {size!r}")
        self.size = int(size)

    def transform(self, results: dict) -> dict:
        """Pad then crop ``results["gt"]`` to ``size`` x ``size`` (see the class)."""
        gt, p = results["gt"], self.size
        h, w = gt.shape[:2]
        if h < p or w < p:
            gt = cv2.copyMakeBorder(gt, 0, max(0, p - h), 0, max(0, p - w), cv2.BORDER_REFLECT_101)
            if gt.ndim == 2 and results["gt"].ndim == 3:  # cv2 drops a single channel
                gt = gt[..., None]
            h, w = gt.shape[:2]
        top, left = np.random.randint(0, h - p + 1), np.random.randint(0, w - p + 1)
        results["gt"] = np.ascontiguousarray(gt[top : top + p, left : left + p, ...])
        return results

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size})"


@TRANSFORMS.register_module()
class PackRealESRGANInputs(BaseTransform):
    """Pack a GT patch and its kernels for ``RealESRGANPreprocessor``.

    Required keys: ``gt`` (H, W, C), ``kernel1``, ``kernel2``, ``sinc_kernel``,
    ``sample_seed``. Optional: ``gt_path``, ``scale``.

    Returns a dict with:

    - ``inputs``: the GT as float32 (C, H, W) on [0, 255] (the LQ is made on the device);
    - ``data_samples``: a ``BaseDataElement`` with the fields ``kernel1``, ``kernel2``,
      ``sinc_kernel`` (float32 tensors) and the metainfo ``sample_seed``, ``gt_path``,
      ``img_name`` and ``scale``.

    Raises:
        KeyError: A required key is missing.
    """

    def transform(self, results: dict) -> dict:
        """Pack ``results`` (see the class docstring)."""
        seed = sample_seed_of(results, type(self).__name__)
        missing = [k for k in ("gt", "kernel1", "kernel2", "sinc_kernel") if k not in results]
        if missing:
            raise KeyError(
                f"PackRealESRGANInputs needs results{missing}; put LoadImageFromFile(key='gt') "
                "and RealESRGANKernels before it"
            )
        metainfo = dict(
            sample_seed=seed,
            gt_path=results.get("gt_path"),
            img_name=Path(str(results.get("gt_path") or "")).stem,
            scale=results.get("scale"),
        )
        sample = BaseDataElement(metainfo=metainfo)
        for key in ("kernel1", "kernel2", "sinc_kernel"):
            sample.set_field(torch.as_tensor(results[key], dtype=torch.float32), key)
        return dict(inputs=to_chw_tensor(results["gt"]), data_samples=sample)
