"""Scale-aware crops and on-the-fly bicubic degradation.

All transforms read ``results['scale']`` (int) and HWC arrays ``results['gt']`` /
``results['lq']``. A GT patch of size ``P`` pairs with an LQ patch of ``P // scale``
taken at the same relative position.
"""

import numpy as np
from mmcv.transforms import BaseTransform

from srzoo.datasets.imresize import imresize
from srzoo.registry import TRANSFORMS


def _scale_of(results: dict, name: str) -> int:
    """Read and validate ``results['scale']``."""
    scale = results.get("scale")
    if scale is None or int(scale) != scale or int(scale) < 1:
        raise ValueError(f"{name} needs results['scale'] as a positive int, got {scale!r}")
    return int(scale)


def mod_crop(img: np.ndarray, scale: int) -> np.ndarray:
    """Crop the bottom/right of an (H, W, ...) array so H and W are multiples of ``scale``."""
    h, w = img.shape[:2]
    return img[: h - h % scale, : w - w % scale, ...]


def _check_patch_size(gt_patch_size: int) -> int:
    if int(gt_patch_size) != gt_patch_size or gt_patch_size < 1:
        raise ValueError(f"gt_patch_size must be a positive int, got {gt_patch_size!r}")
    return int(gt_patch_size)


@TRANSFORMS.register_module()
class PairedRandomCrop(BaseTransform):
    """Crop aligned random patches from ``lq`` and ``gt``.

    Required keys: ``lq``, ``gt``, ``scale``. Modified keys: ``lq`` (P/s, P/s, C),
    ``gt`` (P, P, C).

    Args:
        gt_patch_size (int): GT patch side ``P``; must be divisible by the scale.

    Raises:
        ValueError: GT size is not LQ size x scale, or the LQ image is smaller than
            the patch; the message names the files, sizes and scale.
    """

    def __init__(self, gt_patch_size: int) -> None:
        self.gt_patch_size = _check_patch_size(gt_patch_size)

    def transform(self, results: dict) -> dict:
        """Crop ``lq`` and ``gt`` at one random position.

        Args:
            results (dict): with ``lq`` (h, w, C), ``gt`` (h*s, w*s, C) and ``scale``.

        Returns:
            dict: ``results`` with the cropped arrays.
        """
        scale = _scale_of(results, "PairedRandomCrop")
        lq, gt = results["lq"], results["gt"]
        lq_path, gt_path = results.get("lq_path"), results.get("gt_path")
        if self.gt_patch_size % scale:
            raise ValueError(
                f"gt_patch_size {self.gt_patch_size} is not divisible by scale {scale}"
            )
        (h_lq, w_lq), (h_gt, w_gt) = lq.shape[:2], gt.shape[:2]
        if (h_gt, w_gt) != (h_lq * scale, w_lq * scale):
            raise ValueError(
                f"GT size ({h_gt}, {w_gt}) of '{gt_path}' is not {scale} x the LQ size "
                f"({h_lq}, {w_lq}) of '{lq_path}' (scale={scale}); expected GT "
                f"({h_lq * scale}, {w_lq * scale}). Check the LQ folder and scale."
            )
        lq_patch = self.gt_patch_size // scale
        if h_lq < lq_patch or w_lq < lq_patch:
            raise ValueError(
                f"LQ image '{lq_path}' is {h_lq}x{w_lq}, smaller than the LQ patch "
                f"{lq_patch}x{lq_patch} (gt_patch_size={self.gt_patch_size}, scale={scale}); "
                "use a smaller gt_patch_size or drop the image."
            )
        top = np.random.randint(0, h_lq - lq_patch + 1)
        left = np.random.randint(0, w_lq - lq_patch + 1)
        results["lq"] = lq[top : top + lq_patch, left : left + lq_patch, ...]
        t, s, p = top * scale, left * scale, self.gt_patch_size
        results["gt"] = gt[t : t + p, s : s + p, ...]
        return results

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(gt_patch_size={self.gt_patch_size})"


@TRANSFORMS.register_module()
class RandomCropGT(BaseTransform):
    """Crop a random ``P x P`` patch from ``gt`` (GT-only training, before degradation).

    Required keys: ``gt``. Modified keys: ``gt`` (P, P, C).

    Args:
        gt_patch_size (int): patch side ``P``.

    Raises:
        ValueError: the GT image is smaller than the patch (the message names the file).
    """

    def __init__(self, gt_patch_size: int) -> None:
        self.gt_patch_size = _check_patch_size(gt_patch_size)

    def transform(self, results: dict) -> dict:
        """Crop ``gt`` at a random position.

        Args:
            results (dict): with ``gt`` (H, W, C).

        Returns:
            dict: ``results`` with the cropped ``gt``.
        """
        gt, p = results["gt"], self.gt_patch_size
        h, w = gt.shape[:2]
        if h < p or w < p:
            raise ValueError(
                f"GT image '{results.get('gt_path')}' is {h}x{w}, smaller than the patch "
                f"{p}x{p}; use a smaller gt_patch_size or drop the image."
            )
        top, left = np.random.randint(0, h - p + 1), np.random.randint(0, w - p + 1)
        results["gt"] = gt[top : top + p, left : left + p, ...]
        return results

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(gt_patch_size={self.gt_patch_size})"


@TRANSFORMS.register_module()
class ModCrop(BaseTransform):
    """Crop ``gt`` so its height and width are multiples of ``results['scale']``.

    Required keys: ``gt``, ``scale``. Modified keys: ``gt``.
    """

    def transform(self, results: dict) -> dict:
        """Mod-crop ``gt``.

        Args:
            results (dict): with ``gt`` (H, W, C) and ``scale``.

        Returns:
            dict: ``results`` with ``gt`` (H - H % s, W - W % s, C).
        """
        results["gt"] = mod_crop(results["gt"], _scale_of(results, "ModCrop"))
        return results


@TRANSFORMS.register_module()
class BicubicDegrade(BaseTransform):
    """Make ``lq`` from ``gt`` with MATLAB bicubic downscaling by ``1 / scale``.

    ``gt`` is mod-cropped first so the sizes pair exactly. Integer images stay
    integer (rounded like MATLAB), as LR images saved to PNG are.

    Required keys: ``gt``, ``scale``. Added keys: ``lq`` (H/s, W/s, C), and
    ``lq_path`` (set to ``gt_path`` when absent).
    """

    def transform(self, results: dict) -> dict:
        """Degrade ``gt`` into ``lq``.

        Args:
            results (dict): with ``gt`` (H, W, C) and ``scale``.

        Returns:
            dict: ``results`` with ``gt`` mod-cropped and ``lq`` added.
        """
        scale = _scale_of(results, "BicubicDegrade")
        gt = np.ascontiguousarray(mod_crop(results["gt"], scale))
        results["gt"] = gt
        results["lq"] = imresize(gt, 1.0 / scale)
        results.setdefault("lq_path", results.get("gt_path"))
        results.setdefault("ori_lq_shape", results["lq"].shape)
        return results
