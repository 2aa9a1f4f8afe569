"""Adversarial losses on raw discriminator outputs (logits).

- ``'vanilla'``: Goodfellow et al., "Generative Adversarial Nets" (NeurIPS 2014); SRGAN's
  ``-log D(G(x))`` for the generator. Binary cross-entropy on logits, numerically stable.
- ``'lsgan'``: Mao et al., "Least Squares Generative Adversarial Networks" (ICCV 2017).
- ``'wgan'``: Arjovsky et al., "Wasserstein GAN" (ICML 2017).
- ``'wgan_softplus'``: the non-saturating logistic loss written with softplus, as in
  Karras et al., StyleGAN2 (CVPR 2020).
- ``'hinge'``: Lim & Ye, "Geometric GAN" (2017); Miyato et al., SN-GAN (ICLR 2018).
"""

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from srzoo.registry import LOSSES

GAN_TYPES = ("vanilla", "lsgan", "wgan", "wgan_softplus", "hinge")


@LOSSES.register_module()
class GANLoss(nn.Module):
    """GAN loss for the generator and the discriminator.

    Args:
        gan_type (str): one of ``'vanilla'``, ``'lsgan'``, ``'wgan'``, ``'wgan_softplus'``,
            ``'hinge'``.
        real_label_val (float): target for real samples (vanilla, lsgan). Default: 1.0.
        fake_label_val (float): target for fake samples (vanilla, lsgan). Default: 0.0.
        loss_weight (float): multiplies the loss on the generator side only
            (``is_disc=False``), as in BasicSR and MMagic. Default: 1.0.
    """

    def __init__(
        self,
        gan_type: str,
        real_label_val: float = 1.0,
        fake_label_val: float = 0.0,
        loss_weight: float = 1.0,
    ) -> None:
        super().__init__()
        if gan_type not in GAN_TYPES:
            raise ValueError(f"gan_type must be one of {GAN_TYPES}, got {gan_type!r}")
        self.gan_type = gan_type
        self.real_label_val = float(real_label_val)
        self.fake_label_val = float(fake_label_val)
        self.loss_weight = float(loss_weight)

    def _label_loss(self, logits: Tensor, target_is_real: bool) -> Tensor:
        """Vanilla / LSGAN loss against a constant label tensor shaped like ``logits``."""
        label = self.real_label_val if target_is_real else self.fake_label_val
        target = logits.new_full(logits.shape, label).detach()
        if self.gan_type == "vanilla":
            return F.binary_cross_entropy_with_logits(logits, target)
        return F.mse_loss(logits, target)

    def _raw_loss(self, logits: Tensor, target_is_real: bool, is_disc: bool) -> Tensor:
        if self.gan_type in ("vanilla", "lsgan"):
            return self._label_loss(logits, target_is_real)
        if self.gan_type == "wgan":
            return -logits.mean() if target_is_real else logits.mean()
        if self.gan_type == "wgan_softplus":
            return F.softplus(-logits).mean() if target_is_real else F.softplus(logits).mean()
        # hinge
        if not is_disc:
            return -logits.mean()
        if target_is_real:
            return F.relu(1 - logits).mean()
        return F.relu(1 + logits).mean()

    def forward(self, logits: Tensor, target_is_real: bool, is_disc: bool = False) -> Tensor:
        """Compute the loss.

        Args:
            logits (Tensor): raw discriminator outputs, any shape, e.g. (N, 1).
            target_is_real (bool): whether the target label is "real".
            is_disc (bool): discriminator side; ``loss_weight`` is then not applied.
                Default: False.

        Returns:
            Tensor: scalar loss, float32 for half-precision (autocast) logits.
        """
        if logits.dtype in (torch.float16, torch.bfloat16):
            logits = logits.float()
        loss = self._raw_loss(logits, target_is_real, is_disc)
        return loss if is_disc else loss * self.loss_weight

    def extra_repr(self) -> str:
        return (
            f"gan_type={self.gan_type!r}, real_label_val={self.real_label_val}, "
            f"fake_label_val={self.fake_label_val}, loss_weight={self.loss_weight}"
        )
