"""Mixed-precision optimizer wrapper that works on the CPU as well as on GPUs.

mmengine's ``AmpOptimWrapper`` refuses to build without CUDA (or NPU/MLU/MUSA) and its
``autocast`` allows only bfloat16 on the CPU. ``MixedPrecisionOptimWrapper`` runs
``torch.autocast`` on the device of its parameters, in bfloat16 or float16, with a
``torch.amp.GradScaler`` of its own for float16. A GAN restorer has one wrapper per part,
so the generator and the discriminator each get their own scaler (a skipped step of one
never rescales the other).
"""

from contextlib import contextmanager
from typing import Iterator, Optional, Tuple, Union

import torch
from mmengine.optim import OptimWrapper
from torch import nn

from srzoo.errors import UsageError
from srzoo.registry import OPTIM_WRAPPERS
from srzoo.utils.names import precision_dtype

LossScale = Union[str, float, dict, None]


def _resolve_dtype(dtype: Union[str, torch.dtype]) -> torch.dtype:
    """A reduced precision (``bf16`` / ``bfloat16``, ``fp16`` / ``float16``) as a dtype."""
    resolved = precision_dtype(dtype)
    if resolved == torch.float32:
        raise UsageError(f"dtype must be 'bfloat16' or 'float16', got {dtype!r}")
    return resolved


def native_bf16(device: Union[str, torch.device]) -> Tuple[bool, str]:
    """Whether ``device`` runs bfloat16 natively, and why, from torch's own queries.

    CUDA: ``torch.cuda.is_bf16_supported()``. x86 CPUs: AVX512-BF16 or AMX tiles, as torch's
    CPU-capability queries report them (``torch.cpu._is_avx512_bf16_supported``,
    ``torch.cpu._is_amx_tile_supported``); elsewhere bf16 is emulated and slower than fp32.

    Returns:
        (supported, reason): the reason names the query that decided.
    """
    device = torch.device(device)
    if device.type == "cuda":
        ok = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
        return ok, f"torch.cuda.is_bf16_supported() is {ok}"
    found = [
        name
        for name, query in (
            ("AVX512-BF16", "_is_avx512_bf16_supported"),
            ("AMX", "_is_amx_tile_supported"),
        )
        if getattr(torch.cpu, query, lambda: False)()
    ]
    if found:
        return True, f"this CPU has {' and '.join(found)} (torch.cpu capability queries)"
    return False, "this CPU has neither AVX512-BF16 nor AMX (torch.cpu capability queries)"


@OPTIM_WRAPPERS.register_module()
class MixedPrecisionOptimWrapper(OptimWrapper):
    """Autocast in ``optim_context`` and (for float16) loss scaling, on CPU or GPU.

    Config::

        dict(type="MixedPrecisionOptimWrapper", dtype="bfloat16",
             optimizer=dict(type="Adam", lr=1e-4), clip_grad=dict(max_norm=1.0))

    ``clip_grad`` and ``accumulative_counts`` behave as in ``OptimWrapper``; with a scaler
    the gradients are unscaled before clipping.

    Args:
        dtype (str | torch.dtype): ``'bfloat16'`` or ``'float16'``. Default: ``'bfloat16'``.
        loss_scale (str | float | dict | None): ``'auto'`` (dynamic for float16, none for
            bfloat16, whose exponent range is float32's), ``'dynamic'``, a float (a static
            scale), a dict of ``GradScaler`` arguments, or None (no scaling).
            Default: ``'auto'``.
        **kwargs: ``optimizer``, ``accumulative_counts``, ``clip_grad`` of ``OptimWrapper``.
    """

    def __init__(
        self,
        dtype: Union[str, torch.dtype] = "bfloat16",
        loss_scale: LossScale = "auto",
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.cast_dtype = _resolve_dtype(dtype)
        if loss_scale == "auto":
            loss_scale = "dynamic" if self.cast_dtype == torch.float16 else None
        self._scale_update_param: Optional[float] = None
        self.loss_scaler = self._build_scaler(loss_scale)

    @property
    def device_type(self) -> str:
        """Device type of the wrapped parameters (``'cpu'``, ``'cuda'``, ...)."""
        for group in self.optimizer.param_groups:
            for param in group["params"]:
                return param.device.type
        return "cpu"

    def _build_scaler(self, loss_scale: LossScale) -> Optional[torch.amp.GradScaler]:
        if loss_scale is None:
            return None
        if loss_scale == "dynamic":
            return torch.amp.GradScaler(self.device_type)
        if isinstance(loss_scale, (int, float)) and not isinstance(loss_scale, bool):
            self._scale_update_param = float(loss_scale)
            return torch.amp.GradScaler(self.device_type, init_scale=float(loss_scale))
        if isinstance(loss_scale, dict):
            return torch.amp.GradScaler(self.device_type, **loss_scale)
        raise ValueError(
            f"loss_scale must be 'auto', 'dynamic', a float, a dict or None, got {loss_scale!r}"
        )

    def backward(self, loss: torch.Tensor, **kwargs) -> None:
        """Back-propagate ``loss`` (scaled when a scaler is set); counts the update."""
        if self.loss_scaler is not None:
            loss = self.loss_scaler.scale(loss)
        loss.backward(**kwargs)
        self._inner_count += 1

    def step(self, **kwargs) -> None:
        """Clip (after unscaling) and step; a float16 step with inf/NaN gradients is skipped."""
        if self.loss_scaler is None:
            super().step(**kwargs)
            return
        if self.clip_grad_kwargs:
            self.loss_scaler.unscale_(self.optimizer)
            self._clip_grad()
        self.loss_scaler.step(self.optimizer, **kwargs)
        self.loss_scaler.update(self._scale_update_param)

    def state_dict(self) -> dict:
        """Optimizer state, plus ``loss_scaler`` when scaling (as ``AmpOptimWrapper``)."""
        state = super().state_dict()
        if self.loss_scaler is not None:
            state["loss_scaler"] = self.loss_scaler.state_dict()
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        """Load optimizer and scaler state (also from an ``AmpOptimWrapper`` checkpoint)."""
        state_dict = dict(state_dict)
        scaler_state = state_dict.pop("loss_scaler", None)
        if scaler_state and self.loss_scaler is not None:
            self.loss_scaler.load_state_dict(scaler_state)
        super().load_state_dict(state_dict)

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """Autocast to ``dtype`` on the parameters' device, plus accumulation's ``no_sync``."""
        with super().optim_context(model), torch.autocast(self.device_type, self.cast_dtype):
            yield
