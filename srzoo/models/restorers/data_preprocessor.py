"""Batch normalisation for SR restorers: [0, 255] images -> [0, 1] tensors on the device."""

from collections.abc import Sequence
from typing import Any, Optional

import torch
from mmengine.model import BaseDataPreprocessor

from srzoo.registry import RESTORERS


def stack_images(images: Any) -> torch.Tensor:
    """Stack a list of (C, H, W) tensors into (N, C, H, W); a 4-D tensor passes through."""
    if isinstance(images, torch.Tensor):
        return images if images.dim() == 4 else images.unsqueeze(0)
    shapes = {tuple(img.shape) for img in images}
    if len(shapes) != 1:
        raise ValueError(
            f"cannot batch images of different sizes {sorted(shapes)}; use batch_size=1 for "
            "validation on full images, or crop training images to one patch size"
        )
    return torch.stack(list(images))


@RESTORERS.register_module()
class SRDataPreprocessor(BaseDataPreprocessor):
    """Moves a batch to the device and maps LR inputs and GT images from [0, 255] to [0, 1].

    The packed batch is ``dict(inputs=list of (C, h, w) or (N, C, h, w), data_samples=[...])``
    where each data sample may carry ``gt_img`` (C, H, W). After this step ``inputs`` is an
    (N, C, h, w) float tensor in [0, 1] and each ``gt_img`` is in [0, 1] too.

    Args:
        data_range (float): Value of white in the packed images. Default: 255.
        channels_last (bool): Return inputs in ``torch.channels_last`` memory format.
            Default: False.
    """

    def __init__(self, *, data_range: float = 255.0, channels_last: bool = False) -> None:
        super().__init__(non_blocking=True)
        if data_range <= 0:
            raise ValueError(f"data_range must be positive, got {data_range}")
        self.data_range = data_range
        self.channels_last = channels_last

    def forward(self, data: dict, training: bool = False) -> dict:
        """Normalise ``data`` (see class docstring); returns ``dict(inputs, data_samples)``."""
        data = self.cast_data(data)
        inputs = stack_images(data["inputs"]).float() / self.data_range
        if self.channels_last:
            inputs = inputs.contiguous(memory_format=torch.channels_last)
        samples: Optional[Sequence] = data.get("data_samples")
        for sample in samples or []:
            if "gt_img" in sample:
                sample.gt_img = sample.gt_img.float() / self.data_range
        return dict(inputs=inputs, data_samples=samples)
