"""SRGAN restorer: the alternating generator / discriminator schedule of MMEditing.

Ledig et al., "Photo-Realistic Single Image Super-Resolution Using a Generative
Adversarial Network", CVPR 2017 (arXiv 1609.04802).
"""

from contextlib import contextmanager
from typing import Iterator, Optional

import torch
from mmengine.optim import OptimWrapperDict
from torch import nn

from srzoo.models.restorers.acceleration import CompileOption, accelerate
from srzoo.models.restorers.accumulation import init_accumulation_counts
from srzoo.models.restorers.nonfinite import backward, step_if
from srzoo.models.restorers.sr_model import SRModel, gt_batch
from srzoo.registry import DISCRIMINATORS, LOSSES, RESTORERS


def unwrap(module: nn.Module) -> nn.Module:
    """The module inside a (Distributed)DataParallel wrapper, else the module itself."""
    return getattr(module, "module", module)


@contextmanager
def frozen(module: nn.Module) -> Iterator[None]:
    """Turn off ``requires_grad`` of ``module``'s parameters inside the block, then restore."""
    params = [p for p in module.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)


def sum_losses(losses: dict) -> tuple[torch.Tensor, dict]:
    """Total of the ``loss_*`` entries, and every entry detached for logging (no host sync)."""
    total = sum(v for k, v in losses.items() if k.startswith("loss_"))
    return total, {k: v.detach() for k, v in losses.items()}


def _restore_step(module: "SRGAN", incompatible_keys) -> None:
    """After ``load_state_dict``: take the schedule position from the loaded buffer."""
    module.step = int(module.step_counter)


@RESTORERS.register_module()
class SRGAN(SRModel):
    """Generator plus discriminator, trained with the SRGAN schedule of SPEC.md.

    Each ``train_step`` runs the G step when ``step % disc_steps == 0`` and
    ``step >= disc_init_steps`` (with D frozen), then a D step on the detached fake. The
    step counter is part of the state dict (``step_counter``), so resume keeps the schedule.

    Args:
        discriminator (dict): Config built from ``DISCRIMINATORS``.
        gan_loss (dict): ``GANLoss`` config; its ``loss_weight`` is the adversarial weight
            (1e-3 for SRGAN).
        disc_steps (int): Update G once every ``disc_steps`` steps. Default: 1.
        disc_init_steps (int): Train only D for the first steps. Default: 0.
        **See** :class:`SRModel` for the remaining arguments.
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
        ema: bool = False,
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
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg,
        )
        if disc_steps < 1 or disc_init_steps < 0:
            raise ValueError(
                f"need disc_steps >= 1 and disc_init_steps >= 0, "
                f"got {disc_steps} and {disc_init_steps}"
            )
        self.discriminator = accelerate(DISCRIMINATORS.build(discriminator), **self.speed_options)
        self.gan_loss = LOSSES.build(gan_loss)
        self.disc_steps = disc_steps
        self.disc_init_steps = disc_init_steps
        # The schedule reads a Python int (no device sync); the buffer mirrors it so that
        # checkpoints carry it, and loading a state dict restores the int.
        self.step = 0
        self.register_buffer("step_counter", torch.zeros((), dtype=torch.long))
        self.register_load_state_dict_post_hook(_restore_step)

    def generator_step_due(self, step: int) -> bool:
        """Whether ``step`` updates G: ``step % disc_steps == 0 and step >= disc_init_steps``."""
        return step % self.disc_steps == 0 and step >= self.disc_init_steps

    def generator_steps_before(self, step: int) -> int:
        """How many of the iterations ``0 .. step - 1`` are G steps."""
        first = -(-self.disc_init_steps // self.disc_steps) * self.disc_steps
        return max(0, (step - first + self.disc_steps - 1) // self.disc_steps)

    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> dict:
        """One SRGAN iteration: preprocess, G step when due, D step; returns log_vars.

        Both backward passes run first; then each optimizer steps unless its loss is
        NaN/Inf (see ``nonfinite.py``: equivalent, and one host read per iteration).
        """
        data = self.data_preprocessor(data, True)
        lq, gt = data["inputs"], gt_batch(data["data_samples"])
        g_wrapper, d_wrapper = optim_wrapper["generator"], optim_wrapper["discriminator"]
        init_accumulation_counts(
            optim_wrapper,
            dict(generator=unwrap(self.generator), discriminator=unwrap(self.discriminator)),
            self.step,
            dict(generator=self.generator_steps_before),
        )
        log_vars, totals = {}, {}
        if self.generator_step_due(self.step):
            with g_wrapper.optim_context(self.generator), frozen(self.discriminator):
                fake = self.generator(lq)
                losses = self.generator_losses(fake, gt)
                losses["loss_gan"] = self.adversarial_g_loss(unwrap(self.discriminator), fake, gt)
            totals["generator"], log_vars = sum_losses(losses)
            backward(g_wrapper, totals["generator"])
        else:
            with torch.no_grad(), g_wrapper.optim_context(self.generator):
                fake = unwrap(self.generator)(lq)
        with d_wrapper.optim_context(self.discriminator):
            # the fake in GT's dtype: an autocast G step made it half precision
            d_losses = self.adversarial_d_losses(self.discriminator, fake.detach().to(gt), gt)
        totals["discriminator"], d_log = sum_losses(d_losses)
        backward(d_wrapper, totals["discriminator"])
        finite, log_vars = self.nonfinite_guard.check(totals, {**log_vars, **d_log})
        for part, ok in finite.items():
            step_if(optim_wrapper[part], ok)
        self.step += 1
        self.step_counter.fill_(self.step)
        self.nonfinite_guard.raise_if_exhausted()
        return log_vars

    def adversarial_g_loss(self, disc: nn.Module, fake: torch.Tensor, gt: torch.Tensor):
        """G's adversarial loss, -log D(G(lq)) scaled by ``gan_loss.loss_weight``.

        Args:
            disc (nn.Module): The (frozen) discriminator.
            fake (Tensor): SR batch (N, C, H, W) with a graph to G.
            gt (Tensor): GT batch (N, C, H, W), unused by the standard GAN.
        """
        return self.gan_loss(disc(fake), target_is_real=True, is_disc=False)

    def adversarial_d_losses(self, disc: nn.Module, fake: torch.Tensor, gt: torch.Tensor) -> dict:
        """D's losses on real (GT) and detached fake batches (N, C, H, W).

        Returns:
            dict: ``loss_d_real``, ``loss_d_fake`` and the mean logits ``d_real``, ``d_fake``.
        """
        real_logits, fake_logits = disc(gt), disc(fake)
        return dict(
            loss_d_real=self.gan_loss(real_logits, target_is_real=True, is_disc=True),
            loss_d_fake=self.gan_loss(fake_logits, target_is_real=False, is_disc=True),
            d_real=real_logits.detach().mean(),
            d_fake=fake_logits.detach().mean(),
        )
