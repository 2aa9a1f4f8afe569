"""The data preprocessor of Real-ESRNet / Real-ESRGAN: degrade GT batches on the device."""

from typing import Any, Dict, Optional, Sequence

import torch
from mmengine.structures import BaseDataElement

from srzoo.models.restorers.data_preprocessor import SRDataPreprocessor, stack_images
from srzoo.models.restorers.realesrgan_degradation import (
    DegradedBatch,
    RealESRGANDegradation,
    loss_targets,
)
from srzoo.registry import RESTORERS

_KERNELS = ("kernel1", "kernel2", "sinc_kernel")


@RESTORERS.register_module()
class RealESRGANPreprocessor(SRDataPreprocessor):
    """SRDataPreprocessor that makes the LQ of training batches on the training device.

    Training batches come from ``PackRealESRGANInputs``: ``inputs`` are GT patches on
    [0, 255] and each data sample carries ``kernel1``, ``kernel2``, ``sinc_kernel`` and the
    metainfo ``sample_seed``. :class:`RealESRGANDegradation` turns them into
    ``dict(inputs=LQ (N, C, P/s, P/s), data_samples=...)`` where each data sample has
    ``gt_img`` (the GT crop) and ``gt_usm`` (its USM-sharpened version), both in [0, 1].
    After the training-pair pool, a data sample's images may be a pooled pair, not the
    image its metainfo names. Validation and test batches (``training=False``) are
    normalised as :class:`SRDataPreprocessor` does.

    The degradation's state (the pool) is in ``state_dict()`` as the buffers
    ``data_preprocessor.degradation.pool.{lq,gt,filled_count}``.

    Args:
        degradation: Keyword arguments of :class:`RealESRGANDegradation` (Real-ESRGAN's
            option names). Default: the x4plus options.
        l1_gt_usm: The pixel loss's target is the sharpened GT. Default: True.
        percep_gt_usm: The perceptual loss's target is the sharpened GT. Default: True.
        gan_gt_usm: The discriminator's real images are the sharpened GT. Default: False.
        data_range: Value of white in the packed images. Default: 255.
        channels_last: Return inputs in ``torch.channels_last``. Default: False.
    """

    def __init__(
        self,
        *,
        degradation: Optional[Dict[str, Any]] = None,
        l1_gt_usm: bool = True,
        percep_gt_usm: bool = True,
        gan_gt_usm: bool = False,
        data_range: float = 255.0,
        channels_last: bool = False,
    ) -> None:
        super().__init__(data_range=data_range, channels_last=channels_last)
        self.degradation = RealESRGANDegradation(**(degradation or {}))
        self.usm_targets = dict(
            l1_gt_usm=l1_gt_usm, percep_gt_usm=percep_gt_usm, gan_gt_usm=gan_gt_usm
        )

    def degrade(self, data: dict) -> DegradedBatch:
        """Degrade a packed training batch already on the device (after ``cast_data``).

        Raises:
            KeyError: A data sample lacks its kernels or ``sample_seed``.
        """
        samples: Sequence[BaseDataElement] = data["data_samples"]
        missing = [k for k in (*_KERNELS, "sample_seed") if k not in samples[0]]
        if missing:
            raise KeyError(
                f"RealESRGANPreprocessor needs {missing} in each data sample; pack training "
                "data with RealESRGANKernels and PackRealESRGANInputs"
            )
        gt = stack_images(data["inputs"]).float() / self.data_range
        kernels = [torch.stack([s.get(k) for s in samples]) for k in _KERNELS]
        seeds = [int(s.sample_seed) for s in samples]
        return self.degradation(gt, *kernels, seeds)

    def forward(self, data: dict, training: bool = False) -> dict:
        """Degrade a training batch, or normalise a validation one (see the class)."""
        if not training:
            return super().forward(data, training)
        data = self.cast_data(data)
        batch = self.degrade(data)
        for i, sample in enumerate(data["data_samples"]):
            sample.gt_img, sample.gt_usm = batch.gt[i], batch.gt_usm[i]
        inputs = batch.lq
        if self.channels_last:
            inputs = inputs.contiguous(memory_format=torch.channels_last)
        return dict(inputs=inputs, data_samples=data["data_samples"])

    def targets(self, data_samples: Sequence[BaseDataElement]) -> Dict[str, torch.Tensor]:
        """The loss targets of a degraded batch: ``pixel``, ``perceptual``, ``gan``, each
        (N, C, P, P), chosen by ``l1_gt_usm``, ``percep_gt_usm`` and ``gan_gt_usm``."""
        gt = torch.stack([s.gt_img for s in data_samples])
        gt_usm = torch.stack([s.gt_usm for s in data_samples])
        return loss_targets(gt, gt_usm, **self.usm_targets)
