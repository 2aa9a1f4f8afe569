"""Geometric augmentation applied identically to LQ and GT."""

import numpy as np
from mmcv.transforms import BaseTransform

from srzoo.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PairedFlipRot(BaseTransform):
    """Random horizontal flip, vertical flip and transpose (rot90), each with p = 0.5.

    The same draws are applied to every key present among ``keys``, so LQ and GT stay
    aligned. The eight combinations give the dihedral group of the square. Draws use
    numpy's global RNG, which mmengine's ``randomness.seed`` seeds.

    Required keys: any of ``keys``. Modified keys: the same, (H, W, C) -> (H, W, C)
    or (W, H, C) after a transpose. Added key: ``flip_rot`` (the three draws).

    Args:
        hflip (bool): allow horizontal flips. Default: True.
        vflip (bool): allow vertical flips. Default: True.
        rot90 (bool): allow transposes (with the flips, all 90-degree rotations).
            Default: True.
        keys (tuple[str]): arrays to transform. Default: ``('lq', 'gt')``.
    """

    def __init__(
        self,
        hflip: bool = True,
        vflip: bool = True,
        rot90: bool = True,
        keys: tuple = ("lq", "gt"),
    ) -> None:
        self.hflip, self.vflip, self.rot90 = hflip, vflip, rot90
        self.keys = tuple(keys)

    @staticmethod
    def apply(img: np.ndarray, hflip: bool, vflip: bool, transpose: bool) -> np.ndarray:
        """Apply the chosen flips and transpose to one (H, W, ...) array."""
        if hflip:
            img = img[:, ::-1, ...]
        if vflip:
            img = img[::-1, :, ...]
        if transpose:
            img = img.swapaxes(0, 1)
        return np.ascontiguousarray(img)

    def transform(self, results: dict) -> dict:
        """Draw the flips once and apply them to every key.

        Args:
            results (dict): with some of ``keys`` as (H, W, C) arrays.

        Returns:
            dict: ``results`` with the arrays flipped/transposed.
        """
        draws = np.random.random(3) < 0.5
        h, v, t = (
            bool(self.hflip and draws[0]),
            bool(self.vflip and draws[1]),
            bool(self.rot90 and draws[2]),
        )
        for key in self.keys:
            if key in results:
                results[key] = self.apply(results[key], h, v, t)
        results["flip_rot"] = (h, v, t)
        return results

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(hflip={self.hflip}, vflip={self.vflip}, "
            f"rot90={self.rot90}, keys={self.keys})"
        )
