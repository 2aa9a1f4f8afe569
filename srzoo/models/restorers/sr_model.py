"""PSNR-oriented SR restorer: one generator trained with pixel and/or perceptual losses."""

import copy
from typing import Optional, Union

import torch
from mmengine.model import BaseModel, is_model_wrapper
from mmengine.optim import OptimWrapper
from mmengine.structures import BaseDataElement
from torch import nn

from srzoo.checkpoint import load_weights
from srzoo.models.restorers.acceleration import CompileOption, accelerate
from srzoo.models.restorers.data_preprocessor import stack_images
from srzoo.models.restorers.nonfinite import NonFiniteGuard, backward, step_if
from srzoo.registry import BACKBONES, LOSSES, RESTORERS
from srzoo.utils.wrappers import unwrap

Samples = Optional[list[BaseDataElement]]


@RESTORERS.register_module()
class SRModel(BaseModel):
    """Train a generator for fidelity (SRResNet-MSE, MSRResNet, RRDB_PSNR).

    Ledig et al., "Photo-Realistic Single Image Super-Resolution Using a GAN", CVPR 2017;
    Wang et al., "ESRGAN", ECCVW 2018 (PSNR-oriented pre-training with L1).

    Args:
        generator (dict): Backbone config, built from ``BACKBONES``.
        pixel_loss (dict, optional): Pixel loss config from ``LOSSES``. Default: None.
        perceptual_loss (dict, optional): Perceptual loss config from ``LOSSES``. Default: None.
        pretrained (dict, optional): ``dict(path=..., prefix='generator')`` to initialise the
            generator in ``init_weights`` from an srzoo, BasicSR or MMagic checkpoint.
        ema (bool): Keep an exponential moving average copy ``generator_ema`` (updated by
            ``GeneratorEMAHook``), used for validation and test. Default: False.
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
    """

    def __init__(
        self,
        *,
        generator: dict,
        pixel_loss: Optional[dict] = None,
        perceptual_loss: Optional[dict] = None,
        pretrained: Optional[dict] = None,
        ema: bool = False,
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
        self.generator_ema: Optional[nn.Module] = None
        if ema:
            self.generator_ema = copy.deepcopy(self.generator).requires_grad_(False).eval()
        self.speed_options = dict(channels_last=channels_last, compile=compile)
        accelerate(self.generator, **self.speed_options)
        accelerate(self.generator_ema, channels_last=channels_last)
        vgg = getattr(self.perceptual_loss, "vgg", None)
        accelerate(vgg if isinstance(vgg, nn.Module) else None, channels_last=channels_last)
        self._register_state_dict_hook(_drop_wrapper_keys)
        self._register_load_state_dict_pre_hook(_fill_missing_ema, with_module=True)
        self._register_load_state_dict_pre_hook(_add_wrapper_keys, with_module=True)

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
            return self.generator_losses(self.generator(inputs), gt_batch(data_samples))
        raise ValueError(f"mode must be 'tensor', 'predict' or 'loss', got {mode!r}")

    def train_step(self, data: dict, optim_wrapper: OptimWrapper) -> dict:
        """Preprocess, generator losses, update unless the loss is NaN/Inf; log_vars."""
        with optim_wrapper.optim_context(self):
            data = self.data_preprocessor(data, True)
            losses = self._run_forward(data, mode="loss")
        total, log_vars = self.parse_losses(losses)
        backward(optim_wrapper, total)
        finite, log_vars = self.nonfinite_guard.check(dict(generator=total), log_vars)
        step_if(optim_wrapper, finite["generator"])
        self.nonfinite_guard.raise_if_exhausted()
        return log_vars

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

    def generator_losses(self, sr: torch.Tensor, gt: torch.Tensor) -> dict:
        """Fidelity losses of SR (N, C, H, W) against GT: ``loss_pix``, ``loss_perceptual``,
        ``loss_style``, each present only when configured."""
        losses = {}
        if self.pixel_loss is not None:
            losses["loss_pix"] = self.pixel_loss(sr, gt)
        if self.perceptual_loss is not None:
            percep, style = self.perceptual_loss(sr, gt)
            if percep is not None:
                losses["loss_perceptual"] = percep
            if style is not None:
                losses["loss_style"] = style
        if not losses:
            raise ValueError(
                f"{type(self).__name__} has no loss: set pixel_loss or perceptual_loss"
            )
        return losses


def gt_batch(data_samples: Samples) -> torch.Tensor:
    """Stack the samples' ``gt_img`` into (N, C, H, W); a clear error when GT is missing."""
    if not data_samples or any("gt_img" not in s for s in data_samples):
        raise ValueError("training needs ground-truth images: the pipeline must load 'gt'")
    return stack_images([s.gt_img for s in data_samples])


def _wrapped_children(module: nn.Module) -> list[str]:
    """Names of children wrapped in DDP (``MMSeparateDistributedDataParallel`` does that)."""
    return [name for name, child in module.named_children() if is_model_wrapper(child)]


def _rename_prefix(state_dict: dict, old: str, new: str) -> None:
    for key in [k for k in state_dict if k.startswith(old)]:
        state_dict[new + key[len(old) :]] = state_dict.pop(key)


def _drop_wrapper_keys(module: nn.Module, state_dict: dict, prefix: str, local_metadata) -> None:
    """Save ``generator.x``, never ``generator.module.x``, whether or not DDP wraps it."""
    for name in _wrapped_children(module):
        _rename_prefix(state_dict, f"{prefix}{name}.module.", f"{prefix}{name}.")


def _fill_missing_ema(module: nn.Module, state_dict: dict, prefix: str, *args) -> None:
    """A checkpoint without ``generator_ema.*`` (``load_from`` a model trained without EMA)
    starts the average from its generator instead of leaving it at the initial weights."""
    if getattr(module, "generator_ema", None) is None:
        return
    ema, gen = f"{prefix}generator_ema.", f"{prefix}generator."
    if any(k.startswith(ema) for k in state_dict):
        return
    for key in [k for k in state_dict if k.startswith(gen)]:
        state_dict[ema + key[len(gen) :]] = state_dict[key]


def _add_wrapper_keys(module: nn.Module, state_dict: dict, prefix: str, *args) -> None:
    """Load ``generator.x`` keys into a DDP-wrapped generator (which expects ``.module.``)."""
    for name in _wrapped_children(module):
        if not any(k.startswith(f"{prefix}{name}.module.") for k in state_dict):
            _rename_prefix(state_dict, f"{prefix}{name}.", f"{prefix}{name}.module.")
