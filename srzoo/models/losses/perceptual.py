"""VGG19 perceptual and style losses.

Perceptual (content) loss: Johnson et al., "Perceptual Losses for Real-Time Style Transfer
and Super-Resolution" (ECCV 2016), used by SRGAN (Ledig et al., CVPR 2017) on relu5_4 with
MSE and a 1/12.75 feature rescale, and by ESRGAN (Wang et al., ECCV-W 2018) on conv5_4
(before activation) with L1. Style loss: Gatys et al., "Image Style Transfer Using
Convolutional Neural Networks" (CVPR 2016), on Gram matrices.
"""

from typing import Callable, Mapping, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from srzoo.models.losses.vgg import VGG19FeatureExtractor
from srzoo.registry import LOSSES

CRITERIA = ("l1", "l2", "fro")


def _fro(a: Tensor, b: Tensor) -> Tensor:
    return torch.linalg.vector_norm(a - b)


def criterion_fn(name: str) -> Callable[[Tensor, Tensor], Tensor]:
    """Return the feature criterion: ``'l1'`` (mean abs), ``'l2'`` (mean square), ``'fro'``.

    Raises:
        ValueError: for any other name.
    """
    table = {"l1": F.l1_loss, "l2": F.mse_loss, "fro": _fro}
    if name not in table:
        raise ValueError(f"criterion must be one of {CRITERIA}, got {name!r}")
    return table[name]


def _upcast(x: Tensor) -> Tensor:
    """Half-precision features (autocast) go to float32; float32/float64 stay."""
    return x.float() if x.dtype in (torch.float16, torch.bfloat16) else x


def gram_matrix(x: Tensor) -> Tensor:
    """Gram matrix normalised by ``C * H * W``, computed in at least float32.

    Args:
        x (Tensor): features, shape (N, C, H, W).

    Returns:
        Tensor: shape (N, C, C).
    """
    n, c, h, w = x.shape
    with torch.autocast(device_type=x.device.type, enabled=False):
        flat = _upcast(x).reshape(n, c, h * w)
        return torch.bmm(flat, flat.transpose(1, 2)) / (c * h * w)


def _check_args(
    layer_weights: Mapping[str, float],
    perceptual_weight: float,
    style_weight: float,
    feature_scale: float,
) -> None:
    if not isinstance(layer_weights, Mapping) or not layer_weights:
        raise ValueError(f"layer_weights must be a non-empty dict, got {layer_weights!r}")
    for name, value in (("perceptual_weight", perceptual_weight), ("style_weight", style_weight)):
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
    if not feature_scale > 0:
        raise ValueError(f"feature_scale must be positive, got {feature_scale}")


@LOSSES.register_module()
class PerceptualLoss(nn.Module):
    """VGG19 perceptual loss with an optional Gram-matrix style term.

    The VGG19 is frozen and kept outside the module tree: it is in neither ``state_dict()``
    nor ``parameters()`` (checkpoints, optimizers and DDP never see it), but ``.to()``,
    ``.cuda()``, ``.double()`` etc. on this loss or any parent move it.

    Args:
        layer_weights (dict[str, float]): VGG19 layer name -> weight, e.g.
            ``{'conv5_4': 1.0}`` (ESRGAN) or ``{'relu5_4': 1.0}`` (SRGAN VGG54).
        use_input_norm (bool): ImageNet mean/std normalisation of inputs. Default: True.
        range_norm (bool): inputs are in [-1, 1] instead of [0, 1]. Default: False.
        perceptual_weight (float): weight of the feature term; 0 disables it. Default: 1.0.
        style_weight (float): weight of the Gram term; 0 disables it. Default: 0.0.
        criterion (str): ``'l1'``, ``'l2'`` (MSE) or ``'fro'`` (Frobenius norm).
            Default: ``'l1'``.
        feature_scale (float): multiplies features before the criterion; SRGAN uses
            ``1 / 12.75``. Default: 1.0.
        pretrained (str | None): ``'torchvision'`` (hub cache ``vgg19-dcbb9e9d.pth``), a file
            path, or ``None`` for random weights. Default: ``'torchvision'``.
    """

    def __init__(
        self,
        layer_weights: dict[str, float],
        use_input_norm: bool = True,
        range_norm: bool = False,
        perceptual_weight: float = 1.0,
        style_weight: float = 0.0,
        criterion: str = "l1",
        feature_scale: float = 1.0,
        pretrained: Optional[str] = "torchvision",
    ) -> None:
        super().__init__()
        _check_args(layer_weights, perceptual_weight, style_weight, feature_scale)
        self._criterion = criterion_fn(criterion)
        self.criterion = criterion
        self.layer_weights = {str(k): float(v) for k, v in layer_weights.items()}
        self.perceptual_weight = float(perceptual_weight)
        self.style_weight = float(style_weight)
        self.feature_scale = float(feature_scale)
        vgg = VGG19FeatureExtractor(
            layer_names=list(self.layer_weights),
            use_input_norm=use_input_norm,
            range_norm=range_norm,
            pretrained=pretrained,
        )
        # Bypass nn.Module.__setattr__ so the VGG is not a registered submodule.
        object.__setattr__(self, "_vgg", vgg)

    @property
    def vgg(self) -> VGG19FeatureExtractor:
        """The frozen feature extractor (not a registered submodule)."""
        return self._vgg

    def _apply(self, fn: Callable, recurse: bool = True) -> "PerceptualLoss":
        """Apply ``fn`` (device/dtype moves) to this module and to the hidden VGG."""
        super()._apply(fn, recurse)
        self._vgg._apply(fn, recurse)
        return self

    def _layer_sum(
        self, pred: dict[str, Tensor], gt: dict[str, Tensor], transform: Callable
    ) -> Tensor:
        """Sum over layers of ``weight * criterion(transform(pred), transform(gt))``."""
        total = None
        for name, weight in self.layer_weights.items():
            a = transform(pred[name] * self.feature_scale)
            b = transform(gt[name] * self.feature_scale)
            term = weight * self._criterion(a, b)
            total = term if total is None else total + term
        return total

    def forward(self, pred: Tensor, target: Tensor) -> tuple[Optional[Tensor], Optional[Tensor]]:
        """Compute the perceptual and style losses.

        The target branch runs under ``torch.no_grad()``.

        Args:
            pred (Tensor): restored images, shape (N, 3, H, W), in [0, 1] ([-1, 1] with
                ``range_norm``).
            target (Tensor): ground truth, same shape.

        Returns:
            tuple: (perceptual loss or ``None`` if ``perceptual_weight == 0``,
            style loss or ``None`` if ``style_weight == 0``), each a scalar.
        """
        if pred.shape != target.shape:
            raise ValueError(
                f"PerceptualLoss: pred shape {tuple(pred.shape)} does not match "
                f"target shape {tuple(target.shape)}"
            )
        if self.perceptual_weight == 0 and self.style_weight == 0:
            return None, None
        pred_feats = self._vgg(pred)
        with torch.no_grad():
            gt_feats = self._vgg(target.detach())
        percep = style = None
        if self.perceptual_weight > 0:
            percep = self.perceptual_weight * self._layer_sum(pred_feats, gt_feats, _upcast)
        if self.style_weight > 0:
            style = self.style_weight * self._layer_sum(pred_feats, gt_feats, gram_matrix)
        return percep, style

    def extra_repr(self) -> str:
        return (
            f"layer_weights={self.layer_weights}, criterion={self.criterion!r}, "
            f"perceptual_weight={self.perceptual_weight}, style_weight={self.style_weight}, "
            f"feature_scale={self.feature_scale}, vgg=VGG19 (frozen, not in state_dict)"
        )
