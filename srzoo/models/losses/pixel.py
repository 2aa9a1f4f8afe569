"""Pixel-space losses: L1, MSE and Charbonnier.

The Charbonnier penalty ``sqrt(d^2 + eps)`` is the differentiable L1 of Lai et al.,
"Deep Laplacian Pyramid Networks for Fast and Accurate Super-Resolution" (CVPR 2017).
L1 is the pixel term of ESRGAN (Wang et al., ECCV-W 2018); MSE is SRResNet's
(Ledig et al., CVPR 2017).
"""

from typing import Optional

import torch
from torch import Tensor, nn

from srzoo.registry import LOSSES

REDUCTIONS = ("none", "mean", "sum")


def check_reduction(reduction: str) -> str:
    """Return ``reduction`` if it is one of ``'none'``, ``'mean'``, ``'sum'``.

    Raises:
        ValueError: for any other value.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    return reduction


def weighted_reduce(loss: Tensor, weight: Optional[Tensor], reduction: str) -> Tensor:
    """Multiply an element-wise loss by ``weight`` and reduce it.

    With a weight and ``reduction='mean'`` the sum is divided by the sum of the weight
    broadcast to the loss shape, so a 0/1 mask averages over the masked pixels only.

    Args:
        loss (Tensor): element-wise loss, shape (N, C, H, W).
        weight (Tensor | None): broadcastable to ``loss``, e.g. (N, 1, H, W).
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.

    Returns:
        Tensor: ``loss`` shaped for ``'none'``, a scalar otherwise.
    """
    if weight is not None:
        try:
            broadcast = torch.broadcast_shapes(weight.shape, loss.shape)
        except RuntimeError:
            broadcast = None
        if broadcast != loss.shape:
            raise ValueError(
                f"weight of shape {tuple(weight.shape)} does not broadcast to the loss shape "
                f"{tuple(loss.shape)}"
            )
        loss = loss * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if weight is None:
        return loss.mean()
    total = weight.expand(loss.shape).sum()
    return loss.sum() / total.clamp_min(torch.finfo(loss.dtype).tiny)


class _PixelLoss(nn.Module):
    """Shared argument checks and reduction for the pixel losses.

    Args:
        loss_weight (float): multiplies the reduced loss. Default: 1.0.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.
    """

    def __init__(self, loss_weight: float = 1.0, reduction: str = "mean") -> None:
        super().__init__()
        self.loss_weight = float(loss_weight)
        self.reduction = check_reduction(reduction)

    def elementwise(self, pred: Tensor, target: Tensor) -> Tensor:
        """Return the per-element loss, shape (N, C, H, W)."""
        raise NotImplementedError

    def forward(self, pred: Tensor, target: Tensor, weight: Optional[Tensor] = None) -> Tensor:
        """Compute the loss.

        Args:
            pred (Tensor): prediction, shape (N, C, H, W).
            target (Tensor): ground truth, same shape as ``pred``.
            weight (Tensor | None): element weights broadcastable to (N, C, H, W).

        Returns:
            Tensor: scalar, or (N, C, H, W) when ``reduction='none'``; float32 for
            half-precision inputs.
        """
        if pred.shape != target.shape:
            raise ValueError(
                f"{type(self).__name__}: pred shape {tuple(pred.shape)} does not match "
                f"target shape {tuple(target.shape)}"
            )
        if pred.dtype in (torch.float16, torch.bfloat16):  # autocast output: loss in float32
            pred, target = pred.float(), target.float()
        loss = weighted_reduce(self.elementwise(pred, target), weight, self.reduction)
        return self.loss_weight * loss

    def extra_repr(self) -> str:
        return f"loss_weight={self.loss_weight}, reduction={self.reduction!r}"


@LOSSES.register_module()
class L1Loss(_PixelLoss):
    """Mean absolute error ``|pred - target|`` (ESRGAN's pixel loss).

    Args:
        loss_weight (float): multiplies the reduced loss. Default: 1.0.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.
    """

    def elementwise(self, pred: Tensor, target: Tensor) -> Tensor:
        return (pred - target).abs()


@LOSSES.register_module()
class MSELoss(_PixelLoss):
    """Mean squared error ``(pred - target)^2`` (SRResNet's pixel loss, Ledig et al. 2017).

    Args:
        loss_weight (float): multiplies the reduced loss. Default: 1.0.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.
    """

    def elementwise(self, pred: Tensor, target: Tensor) -> Tensor:
        return (pred - target).square()


@LOSSES.register_module()
class CharbonnierLoss(_PixelLoss):
    """Charbonnier loss ``sqrt((pred - target)^2 + eps)`` (Lai et al., LapSRN, CVPR 2017).

    Args:
        loss_weight (float): multiplies the reduced loss. Default: 1.0.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.
        eps (float): added under the square root; keeps the gradient finite at 0.
            Default: 1e-12.
    """

    def __init__(self, loss_weight: float = 1.0, reduction: str = "mean", eps: float = 1e-12):
        super().__init__(loss_weight=loss_weight, reduction=reduction)
        if not eps > 0:
            raise ValueError(f"eps must be positive, got {eps}")
        self.eps = float(eps)

    def elementwise(self, pred: Tensor, target: Tensor) -> Tensor:
        return torch.sqrt((pred - target).square() + self.eps)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, eps={self.eps}"
