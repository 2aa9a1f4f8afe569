"""Data transforms (mmcv ``BaseTransform`` subclasses), registered in ``TRANSFORMS``."""

from srzoo.datasets.transforms.augment import PairedFlipRot
from srzoo.datasets.transforms.crop import (
    BicubicDegrade,
    ModCrop,
    PairedRandomCrop,
    RandomCropGT,
)
from srzoo.datasets.transforms.formatting import PackSRInputs
from srzoo.datasets.transforms.loading import LoadImageFromFile

__all__ = [
    "BicubicDegrade",
    "LoadImageFromFile",
    "ModCrop",
    "PackSRInputs",
    "PairedFlipRot",
    "PairedRandomCrop",
    "RandomCropGT",
]
