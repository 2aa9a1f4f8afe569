"""PSNR-oriented SR restorer: one generator trained with pixel and/or perceptual losses."""

import copy
from typing import Dict, Optional, Union

import torch
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.structures import BaseDataElement
from torch import nn

from srzoo.checkpoint import load_weights
from srzoo.models.restorers import state_hooks
from srzoo.models.restorers.acceleration import CompileOption, accelerate
from srzoo.models.restorers.data_preprocessor import stack_images
from srzoo.models.restorers.ema import EMAOption, ema_schedule, ema_update
from srzoo.models.restorers.nonfinite import NonFiniteGuard, backward, step_if
from srzoo.registry import BACKBONES, LOSSES, RESTORERS
from srzoo.utils.wrappers import unwrap

Samples = Optional[list[BaseDataElement]]


@RESTORERS.register_module()
class SRModel(BaseModel):
    """Train a generator for fidelity (SRResNet-MSE, MSRResNet, RRDB_PSNR).

    Ledig et al., "Photo-Realistic Single Image Super-Resolution Using a GAN", CVPR 2017;
    Wang et al., "ESRGAN", ECCVW 2018 (PSNR-oriented pre-training with L1).

    ``step`` counts the iterations trained (skipped updates included); the state dict
    carries it as ``step_counter``, so a resume keeps the EMA (and GAN) schedule.

    Args:
        generator (dict): Backbone config, built from ``BACKBONES``.
        pixel_loss (dict, optional): Pixel loss config from ``LOSSES``. Default: None.
        perceptual_loss (dict, optional): Perceptual loss config from ``LOSSES``. Default: None.
        pretrained (dict, optional): ``dict(path=..., prefix='generator')`` to initialise the
            generator in ``init_weights`` from an srzoo, BasicSR or MMagic checkpoint.
        ema (bool | dict): Keep an exponential moving average ``generator_ema`` of the
            generator, updated at the end of each ``train_step`` and used for validation
            and test: True, or ``dict(momentum=0.999, interval=1, start_iter=0)`` (see
            :class:`~srzoo.models.restorers.ema.EMASchedule`). Default: False.
        nonfinite_patience (int): A NaN/Inf loss skips its update (counted in the log as
            ``nonfinite_g``/``nonfinite_d``); after this many such iterations in a row
            training stops with ``NonFiniteLossError``. 0 never stops. Default: 10.
        channels_last (bool): Keep the generator (and its EMA copy), the discriminator and
            the perceptual VGG in ``torch.channels_last``; their inputs are converted on
            entry. Default: False.
        compile (bool | dict): ``torch.compile`` the generator and discriminator calls (True,
            or a dict of ``torch.compile`` arguments); state-dict keys do not change.
            Default: False.
        data_preprocessor (dict, optional): Default: ``SRDataPreprocessor``.
        init_cfg (dict, optional): mmengine init config. Default: None.

    Raises:
        UsageError: a bad ``ema`` value; ConfigKeyError: an ``ema`` key it does not take.
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
        preprocessor = RESTORERS.build(data_preprocessor or dict(type="SRDataPreprocessor"))
        super().__init__(data_preprocessor=preprocessor, init_cfg=init_cfg)
        self.generator = BACKBONES.build(generator)
        self.pixel_loss = LOSSES.build(pixel_loss) if pixel_loss else None
        self.perceptual_loss = LOSSES.build(perceptual_loss) if perceptual_loss else None
        self.pretrained = pretrained
        self.nonfinite_guard = NonFiniteGuard(nonfinite_patience)
        self.ema_schedule = ema_schedule(ema)
        self.generator_ema: Optional[nn.Module] = None
        if self.ema_schedule is not None:
            self.generator_ema = copy.deepcopy(self.generator).requires_grad_(False).eval()
        self.speed_options = dict(channels_last=channels_last, compile=compile)
        accelerate(self.generator, **self.speed_options)
        accelerate(self.generator_ema, channels_last=channels_last)
        vgg = getattr(self.perceptual_loss, "vgg", None)
        accelerate(vgg if isinstance(vgg, nn.Module) else None, channels_last=channels_last)
        # The schedules read a Python int (no device sync); the buffer mirrors it so that
        # checkpoints carry it, and loading a state dict restores the int.
        self.step = 0
        self.register_buffer("step_counter", torch.zeros((), dtype=torch.long))
        self._register_state_dict_hook(state_hooks.drop_wrapper_keys)
        self._register_load_state_dict_pre_hook(state_hooks.fill_missing_ema, with_module=True)
        self._register_load_state_dict_pre_hook(state_hooks.add_wrapper_keys, with_module=True)
        self._register_load_state_dict_pre_hook(state_hooks.keep_own_step_count, with_module=True)
        self.register_load_state_dict_post_hook(state_hooks.restore_step)

    def init_weights(self) -> None:
        """Initialise parts, load ``pretrained`` into the generator; the EMA copy starts equal."""
        super().init_weights()
        if self.pretrained:
            options = dict(self.pretrained)
            load_weights(self.generator, options.pop("path"), **options)
        if self.generator_ema is not None:  # init_cfg may have re-drawn both apart
            self.generator_ema.load_state_dict(unwrap(self.generator).state_dict())

    @property
    def inference_generator(self) -> nn.Module:
        """The generator used for validation and test: the EMA copy when present."""
        return self.generator_ema if self.generator_ema is not None else self.generator

    def forward(
        self, inputs: torch.Tensor, data_samples: Samples = None, mode: str = "tensor"
    ) -> Union[torch.Tensor, dict, list]:
        """Run the restorer.

        Args:
            inputs (Tensor): LR batch (N, C, h, w) in [0, 1].
            data_samples (list, optional): Samples carrying ``gt_img`` (C, H, W) in [0, 1].
            mode (str): ``tensor`` (SR batch (N, C, H, W)), ``predict`` (samples with
                ``pred_img`` in [0, 255]) or ``loss`` (dict of losses).
        """
        if mode == "tensor":
            return self.generator(inputs)
        if mode == "predict":
            return self.predict(inputs, data_samples)
        if mode == "loss":
            targets = self.loss_targets(data_samples)
            return self.generator_losses(
                self.generator(inputs), targets["pixel"], perceptual_gt=targets["perceptual"]
            )
        raise ValueError(f"mode must be 'tensor', 'predict' or 'loss', got {mode!r}")

    def train_step(self, data: dict, optim_wrapper: OptimWrapper) -> dict:
        """Preprocess, generator losses and backward, then :meth:`apply_updates`.

        Returns:
            dict: ``loss`` (the total, as mmengine's ``BaseModel.parse_losses`` names it),
            each ``loss_*`` term and ``nonfinite_g``, as floats.
        """
        with optim_wrapper.optim_context(self):
            data = self.data_preprocessor(data, True)
            losses = self._run_forward(data, mode="loss")
        total, log_vars = sum_losses(losses)
        backward(optim_wrapper, total)
        # the total as ``loss`` first, as mmengine logged it; the GANs log no total
        log_vars = {"loss": total.detach(), **log_vars}
        return self.apply_updates(dict(generator=optim_wrapper), dict(generator=total), log_vars)

    def apply_updates(
        self,
        optim_wrapper: Union[OptimWrapperDict, dict[str, OptimWrapper]],
        totals: dict[str, torch.Tensor],
        log_vars: dict[str, torch.Tensor],
    ) -> dict[str, float]:
        """The end of every iteration: step the optimizers, average, count, log.

        One device read (:meth:`NonFiniteGuard.check`) tells which ``totals`` are finite and
        brings ``log_vars`` to the host; each part's optimizer then steps unless its total
        is NaN/Inf. Then the EMA is updated (when due) and the step counter advances.

        Args:
            optim_wrapper (OptimWrapperDict | dict): Part name -> ``OptimWrapper``.
            totals (dict): Part name -> its summed loss (a scalar after backward).
            log_vars (dict): Scalar tensors to log.

        Returns:
            dict: ``log_vars`` as floats, plus the skipped-update counts.

        Raises:
            NonFiniteLossError: ``nonfinite_patience`` bad iterations in a row.
        """
        finite, log_vars = self.nonfinite_guard.check(totals, log_vars)
        for part, ok in finite.items():
            step_if(optim_wrapper[part], ok)
        self.update_ema(self.step)
        self.step += 1
        self.step_counter.fill_(self.step)
        self.nonfinite_guard.raise_if_exhausted()
        return log_vars

    def update_ema(self, step: int) -> None:
        """Blend the generator into ``generator_ema`` after iteration ``step``, when due."""
        if self.ema_schedule is None:
            return
        momentum = self.ema_schedule.momentum_at(step)
        if momentum is not None:
            ema_update(self.generator_ema, unwrap(self.generator), momentum)

    @torch.no_grad()
    def predict(self, inputs: torch.Tensor, data_samples: Samples) -> list:
        """Super-resolve and attach ``pred_img`` (C, H, W) in [0, 255] on the CPU to samples."""
        out = self.inference_generator(inputs).float().clamp_(0, 1).mul_(255).cpu()
        samples = data_samples or [BaseDataElement() for _ in range(out.shape[0])]
        for sample, img in zip(samples, out):
            sample.pred_img = img
            if "gt_img" in sample:
                sample.gt_img = sample.gt_img.float().mul(255).cpu()
        return samples

    def loss_targets(self, data_samples: Samples) -> Dict[str, torch.Tensor]:
        """The GT batch each loss compares with: ``pixel``, ``perceptual`` and ``gan``.

        Here the samples' ``gt_img`` stacked to (N, C, H, W) for all three; Real-ESRGAN's
        restorers return its USM-sharpened GT for some (``realesrgan.py``).

        Raises:
            ValueError: a sample has no ``gt_img``.
        """
        gt = gt_batch(data_samples)
        return dict(pixel=gt, perceptual=gt, gan=gt)

    def generator_losses(
        self, sr: torch.Tensor, gt: torch.Tensor, *, perceptual_gt: Optional[torch.Tensor] = None
    ) -> dict:
        """Fidelity losses of SR (N, C, H, W) against GT: ``loss_pix``, ``loss_perceptual``,
        ``loss_style``, each present only when configured. The perceptual and style terms
        compare with ``perceptual_gt`` when given (same shape), else with ``gt``."""
        losses = {}
        if self.pixel_loss is not None:
            losses["loss_pix"] = self.pixel_loss(sr, gt)
        if self.perceptual_loss is not None:
            percep, style = self.perceptual_loss(sr, gt if perceptual_gt is None else perceptual_gt)
            if percep is not None:
                losses["loss_perceptual"] = percep
            if style is not None:
                losses["loss_style"] = style
        if not losses:
            raise ValueError(
                f"{type(self).__name__} has no loss: set pixel_loss or perceptual_loss"
            )
        return losses


def sum_losses(losses: dict) -> tuple[torch.Tensor, dict]:
    """Total of the ``loss_*`` entries, and every entry detached for logging (no host sync).

    Every restorer sums and logs its losses with this function. Entries whose names do not
    start with ``loss_`` (``d_real``, ``d_fake``) are logged but not summed.

    Args:
        losses (dict): Name -> scalar tensor.

    Returns:
        tuple: The total (a scalar with the graph), and ``{name: value.detach()}``.
    """
    total = sum(v for k, v in losses.items() if k.startswith("loss_"))
    return total, {k: v.detach() for k, v in losses.items()}


def gt_batch(data_samples: Samples) -> torch.Tensor:
    """Stack the samples' ``gt_img`` into (N, C, H, W); a clear error when GT is missing."""
    if not data_samples or any("gt_img" not in s for s in data_samples):
        raise ValueError("training needs ground-truth images: the pipeline must load 'gt'")
    return stack_images([s.gt_img for s in data_samples])
