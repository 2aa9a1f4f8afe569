"""Real-ESRNet and Real-ESRGAN restorers: SRModel / SRGAN trained on degraded GT batches.

Wang et al., "Real-ESRGAN: Training Real-World Blind Super-Resolution with Pure Synthetic
Data", ICCVW 2021 (arXiv 2107.10833); reference: Real-ESRGAN's ``realesrnet_model.py`` and
``realesrgan_model.py``. The LQ inputs are made on the training device by
:class:`~srzoo.models.restorers.realesrgan_preprocessor.RealESRGANPreprocessor`; the only
difference from SRModel / SRGAN is the GT each loss compares with (:meth:`loss_targets`):
the USM-sharpened GT or the plain one, as the preprocessor's ``l1_gt_usm``,
``percep_gt_usm`` and ``gan_gt_usm`` choose. The training steps are SRModel's and SRGAN's.
"""

from typing import Any, Dict, Optional

import torch

from srzoo.errors import UsageError
from srzoo.models.restorers.acceleration import CompileOption
from srzoo.models.restorers.ema import EMAOption
from srzoo.models.restorers.sr_model import Samples, SRModel
from srzoo.models.restorers.srgan import SRGAN
from srzoo.registry import RESTORERS
from srzoo.utils.wrappers import unwrap

__all__ = ["RealESRGAN", "RealESRNet"]

# Real-ESRNet sharpens the GT before degrading it, and trains on the sharpened GT only.
_ESRNET_PREPROCESSOR = dict(
    type="RealESRGANPreprocessor", degradation=dict(gt_usm="before_degradation")
)


class _DegradedTargets:
    """Mixin: the loss targets are the preprocessor's ``targets`` (plain or USM GT)."""

    data_preprocessor: Any

    generator: Any

    def _check_preprocessor(self) -> None:
        """A degrading preprocessor, at the generator's scale.

        Raises:
            UsageError: No ``targets`` method, or another scale than the generator's.
        """
        name, pre = type(self).__name__, self.data_preprocessor
        if not callable(getattr(pre, "targets", None)):
            raise UsageError(
                f"{name} trains on batches degraded on the device: set "
                "model.data_preprocessor=dict(type='RealESRGANPreprocessor', ...), got "
                f"{type(pre).__name__}"
            )
        g_scale = getattr(unwrap(self.generator), "scale", None)
        d_scale = getattr(getattr(pre, "degradation", None), "scale", None)
        if None not in (g_scale, d_scale) and g_scale != d_scale:
            raise UsageError(
                f"{name}: model.data_preprocessor.degradation.scale = {d_scale} but the "
                f"generator upscales x{g_scale}; set both to the same scale"
            )

    def loss_targets(self, data_samples: Samples) -> Dict[str, torch.Tensor]:
        """``pixel``, ``perceptual`` and ``gan`` GT batches (N, C, P, P) in [0, 1], each the
        USM-sharpened GT (``gt_usm``) or the plain one (``gt_img``) as the preprocessor's
        flags say (Real-ESRGAN x4plus: USM, USM, plain)."""
        return self.data_preprocessor.targets(data_samples)


@RESTORERS.register_module()
class RealESRNet(_DegradedTargets, SRModel):
    """The PSNR stage of Real-ESRGAN: L1 on the USM-sharpened GT of degraded batches.

    Real-ESRNet (``options/train_realesrnet_x4plus.yml``): RRDBNet, L1 1.0, Adam 2e-4,
    1M iterations, EMA 0.999, from ESRGAN's weights. The GT is sharpened before the
    degradation (``gt_usm="before_degradation"``), so every target is the sharpened GT.

    Args:
        data_preprocessor (dict, optional): A ``RealESRGANPreprocessor`` config. Default:
            one with Real-ESRGAN's x4plus degradation and ``gt_usm="before_degradation"``.
        **See** :class:`SRModel` for the other arguments (``generator``, ``pixel_loss``,
            ``ema``...).

    Raises:
        UsageError: The data preprocessor does not degrade batches (no ``targets``), or
            degrades to another scale than the generator's.
    """

    def __init__(
        self,
        *,
        generator: dict,
        pixel_loss: Optional[dict] = None,
        perceptual_loss: Optional[dict] = None,
        pretrained: Optional[dict] = None,
        ema: EMAOption = False,
        nonfinite_patience: int = 10,
        channels_last: bool = False,
        compile: CompileOption = False,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(
            generator=generator,
            pixel_loss=pixel_loss,
            perceptual_loss=perceptual_loss,
            pretrained=pretrained,
            ema=ema,
            nonfinite_patience=nonfinite_patience,
            channels_last=channels_last,
            compile=compile,
            data_preprocessor=data_preprocessor or _ESRNET_PREPROCESSOR,
            init_cfg=init_cfg,
        )
        self._check_preprocessor()


@RESTORERS.register_module()
class RealESRGAN(_DegradedTargets, SRGAN):
    """Real-ESRGAN: SRGAN's step on degraded batches, each loss on its own GT.

    Real-ESRGAN x4plus (``options/train_realesrgan_x4plus.yml``): L1 1.0 and perceptual
    1.0 (VGG19 ``conv1_2`` 0.1, ``conv2_2`` 0.1, ``conv3_4``/``conv4_4``/``conv5_4`` 1,
    before activation, L1) on the USM GT; vanilla GAN 0.1 with ``UNetDiscriminatorSN``
    (per-pixel logits) on the plain GT; EMA 0.999; Adam 1e-4 for both, 400k iterations,
    from Real-ESRNet's EMA weights. The adversarial terms are SRGAN's (the standard GAN
    loss averaged over D's per-pixel logits), as Real-ESRGAN's ``GANLoss`` computes them.

    Args:
        data_preprocessor (dict, optional): A ``RealESRGANPreprocessor`` config. Default:
            Real-ESRGAN's x4plus degradation and USM flags.
        **See** :class:`SRGAN` for the other arguments (``generator``, ``discriminator``,
            ``gan_loss``, ``pixel_loss``, ``perceptual_loss``, ``ema``...).

    Raises:
        UsageError: The data preprocessor does not degrade batches (no ``targets``), or
            degrades to another scale than the generator's.
    """

    def __init__(
        self,
        *,
        generator: dict,
        discriminator: dict,
        gan_loss: dict,
        pixel_loss: Optional[dict] = None,
        perceptual_loss: Optional[dict] = None,
        disc_steps: int = 1,
        disc_init_steps: int = 0,
        pretrained: Optional[dict] = None,
        ema: EMAOption = False,
        nonfinite_patience: int = 10,
        channels_last: bool = False,
        compile: CompileOption = False,
        data_preprocessor: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__(
            generator=generator,
            discriminator=discriminator,
            gan_loss=gan_loss,
            pixel_loss=pixel_loss,
            perceptual_loss=perceptual_loss,
            disc_steps=disc_steps,
            disc_init_steps=disc_init_steps,
            pretrained=pretrained,
            ema=ema,
            nonfinite_patience=nonfinite_patience,
            channels_last=channels_last,
            compile=compile,
            data_preprocessor=data_preprocessor or dict(type="RealESRGANPreprocessor"),
            init_cfg=init_cfg,
        )
        self._check_preprocessor()
