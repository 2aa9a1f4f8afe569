"""SRGAN restorer: the alternating generator / discriminator schedule of MMEditing.

Ledig et al., "Photo-Realistic Single Image Super-Resolution Using a Generative
Adversarial Network", CVPR 2017 (arXiv 1609.04802).
"""

from contextlib import contextmanager
from typing import Iterator, Mapping, Optional

import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict
from torch import nn

from srzoo.models.restorers.acceleration import CompileOption, accelerate
from srzoo.models.restorers.accumulation import AccumulationCounts
from srzoo.models.restorers.ema import EMAOption
from srzoo.models.restorers.nonfinite import backward

# sum_losses is imported from here too (srzoo.speed); it lives beside SRModel, which uses it.
from srzoo.models.restorers.sr_model import SRModel, sum_losses
from srzoo.registry import DISCRIMINATORS, LOSSES, RESTORERS
from srzoo.utils.wrappers import unwrap

__all__ = ["SRGAN", "frozen", "sum_losses"]

Targets = Mapping[str, torch.Tensor]  # SRModel.loss_targets: pixel / perceptual / gan GT


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


def _reset_accumulation(module: "SRGAN", incompatible_keys) -> None:
    """After ``load_state_dict``: the step counter may have moved; set the counts again."""
    module.accumulation.reset()


@RESTORERS.register_module()
class SRGAN(SRModel):
    """Generator plus discriminator, trained with the SRGAN schedule of docs/papers.md.

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

    Raises:
        ValueError: ``disc_steps < 1`` or ``disc_init_steps < 0``.
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
        self.accumulation = AccumulationCounts()
        self.register_load_state_dict_post_hook(_reset_accumulation)

    def generator_step_due(self, step: int) -> bool:
        """Whether ``step`` updates G: ``step % disc_steps == 0 and step >= disc_init_steps``."""
        return step % self.disc_steps == 0 and step >= self.disc_init_steps

    def generator_steps_before(self, step: int) -> int:
        """How many of the iterations ``0 .. step - 1`` are G steps."""
        first = -(-self.disc_init_steps // self.disc_steps) * self.disc_steps
        return max(0, (step - first + self.disc_steps - 1) // self.disc_steps)

    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> dict:
        """One SRGAN iteration: preprocess, the GT of each loss (:meth:`loss_targets`), then
        three phases; returns log_vars.

        1. :meth:`generator_phase`: G's losses and backward (D frozen) when G is due,
           else only a fake made without a graph;
        2. :meth:`discriminator_phase`: D's losses on the ``gan`` GT and the detached fake,
           backward;
        3. :meth:`apply_updates`: one device read tells which totals are finite, then each
           optimizer steps unless its loss is NaN/Inf, the EMA is updated and ``step``
           advances. Stepping after both backward passes is equivalent (``nonfinite.py``).

        Returns:
            dict: G's ``loss_*`` terms and ``nonfinite_g`` (on G steps only), then
            ``loss_d_real``, ``loss_d_fake``, ``d_real``, ``d_fake``, ``nonfinite_d``.
        """
        data = self.data_preprocessor(data, True)
        lq, targets = data["inputs"], self.loss_targets(data["data_samples"])
        parts = dict(generator=unwrap(self.generator), discriminator=unwrap(self.discriminator))
        self.accumulation.set_once(
            optim_wrapper, parts, self.step, dict(generator=self.generator_steps_before)
        )
        due = self.generator_step_due(self.step)
        g_wrapper, d_wrapper = optim_wrapper["generator"], optim_wrapper["discriminator"]
        fake, g_total, g_log = self.generator_phase(lq, targets, g_wrapper, due=due)
        d_total, d_log = self.discriminator_phase(fake, targets["gan"], d_wrapper)
        totals = dict(generator=g_total, discriminator=d_total)
        totals = {part: total for part, total in totals.items() if total is not None}
        return self.apply_updates(optim_wrapper, totals, {**g_log, **d_log})

    def generator_phase(
        self, lq: torch.Tensor, targets: Targets, wrapper: OptimWrapper, *, due: bool
    ) -> tuple[torch.Tensor, Optional[torch.Tensor], dict]:
        """G's losses and backward with D frozen; when G is not due, only the fake.

        Args:
            lq (Tensor): LR batch (N, C, h, w) in [0, 1].
            targets (dict): :meth:`loss_targets`: the GT batches (N, C, H, W) in [0, 1] of
                the ``pixel``, ``perceptual`` and ``gan`` losses.
            wrapper (OptimWrapper): G's wrapper (autocast, accumulation, loss scale).
            due (bool): Whether G is updated at this iteration.

        Returns:
            tuple: The fake (N, C, H, W), with a graph to G only when due; G's total loss
            (None when not due); G's detached ``loss_*`` values to log.
        """
        if not due:
            # No graph: D's step needs only the image. No backward follows, so there is
            # no gradient to all-reduce and the inner module is called, which skips DDP's
            # per-forward work (its reducer set-up, and a buffer broadcast if G has any).
            with torch.no_grad(), wrapper.optim_context(self.generator):
                return unwrap(self.generator)(lq), None, {}
        with wrapper.optim_context(self.generator), frozen(self.discriminator):
            # The DDP-wrapped G (optim_context too, for no_sync while accumulating): a
            # DDP forward arms its reducer, so the backward below all-reduces G's
            # gradients across ranks; after the inner module's forward they stay local.
            fake = self.generator(lq)
            losses = self.generator_losses(
                fake, targets["pixel"], perceptual_gt=targets["perceptual"]
            )
            # The inner D: it is frozen, so this backward has no D gradient to all-reduce
            # (the gradient still flows through D's activations to the fake). A forward
            # through D's DDP wrapper would set up its reducer and broadcast D's
            # BatchNorm buffers from rank 0, for nothing.
            disc = unwrap(self.discriminator)
            losses["loss_gan"] = self.adversarial_g_loss(disc, fake, targets["gan"])
        total, log_vars = sum_losses(losses)
        backward(wrapper, total)
        return fake, total, log_vars

    def discriminator_phase(
        self, fake: torch.Tensor, gt: torch.Tensor, wrapper: OptimWrapper
    ) -> tuple[torch.Tensor, dict]:
        """D's losses on GT and on the detached fake (both (N, C, H, W)), and their backward.

        Returns:
            tuple: D's total loss; its detached ``loss_d_real``, ``loss_d_fake``,
            ``d_real``, ``d_fake`` to log.
        """
        with wrapper.optim_context(self.discriminator):
            # The DDP-wrapped D: its forward arms the all-reduce of D's gradients in the
            # backward below. The fake is detached (no gradient reaches G) and in GT's
            # dtype: an autocast G step made it half precision.
            d_losses = self.adversarial_d_losses(self.discriminator, fake.detach().to(gt), gt)
        total, log_vars = sum_losses(d_losses)
        backward(wrapper, total)
        return total, log_vars

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
