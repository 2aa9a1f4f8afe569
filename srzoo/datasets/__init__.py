"""Datasets, transforms and MATLAB-style ``imresize``.

Importing this package registers every dataset (``DATASETS``) and transform
(``TRANSFORMS``); the modules are listed explicitly, with no folder scanning.
"""

from srzoo.datasets import degradations, transforms  # noqa: F401  (register the transforms)
from srzoo.datasets.imresize import imresize
from srzoo.datasets.samplers import ResumableInfiniteSampler
from srzoo.datasets.sr_datasets import GTOnlyDataset, PairedImageDataset
from srzoo.errors import DataCheckError, ImageReadError

__all__ = [
    "DataCheckError",
    "GTOnlyDataset",
    "ImageReadError",
    "PairedImageDataset",
    "ResumableInfiniteSampler",
    "imresize",
    "transforms",
]
