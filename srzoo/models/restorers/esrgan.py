"""ESRGAN restorer: SRGAN with the relativistic average GAN (RaGAN).

Wang et al., "ESRGAN: Enhanced Super-Resolution Generative Adversarial Networks",
ECCV Workshops 2018 (arXiv 1809.00219). With C the raw discriminator output,
D_Ra(x_r, x_f) = sigmoid(C(x_r) - mean(C(x_f))).
"""

import torch
from torch import nn

from srzoo.models.restorers.srgan import SRGAN
from srzoo.registry import RESTORERS


@RESTORERS.register_module()
class ESRGAN(SRGAN):
    """SRGAN whose two adversarial terms are relativistic average ones (see docs/papers.md).

    Only :meth:`adversarial_g_loss` and :meth:`adversarial_d_losses` differ from SRGAN. Use
    ``gan_loss=dict(type='GANLoss', gan_type='vanilla', loss_weight=5e-3)`` (lambda), an L1
    ``pixel_loss`` with ``loss_weight=1e-2`` (eta) and a ``conv5_4`` perceptual loss.
    """

    def adversarial_g_loss(self, disc: nn.Module, fake: torch.Tensor, gt: torch.Tensor):
        """L_G^Ra = (BCE(C(gt) - E[C(fake)], 0) + BCE(C(fake) - E[C(gt)], 1)) / 2, weighted.

        Args:
            disc (nn.Module): The (frozen) discriminator.
            fake (Tensor): SR batch (N, C, H, W) with a graph to G.
            gt (Tensor): GT batch (N, C, H, W).
        """
        real_logits = disc(gt).detach().float()  # float32 under autocast: the means matter
        fake_logits = disc(fake).float()
        loss_real = self.gan_loss(real_logits - fake_logits.mean(), False, is_disc=False)
        loss_fake = self.gan_loss(fake_logits - real_logits.mean(), True, is_disc=False)
        return (loss_real + loss_fake) / 2

    def adversarial_d_losses(self, disc: nn.Module, fake: torch.Tensor, gt: torch.Tensor) -> dict:
        """L_D^Ra halves: BCE(C(gt) - E[C(fake)], 1) / 2 and BCE(C(fake) - E[C(gt)], 0) / 2.

        Returns:
            dict: ``loss_d_real``, ``loss_d_fake`` and the mean logits ``d_real``, ``d_fake``.
        """
        real_logits, fake_logits = disc(gt).float(), disc(fake).float()
        loss_real = self.gan_loss(real_logits - fake_logits.detach().mean(), True, is_disc=True)
        loss_fake = self.gan_loss(fake_logits - real_logits.detach().mean(), False, is_disc=True)
        return dict(
            loss_d_real=loss_real * 0.5,
            loss_d_fake=loss_fake * 0.5,
            d_real=real_logits.detach().mean(),
            d_fake=fake_logits.detach().mean(),
        )
