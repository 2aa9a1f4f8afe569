"""mmengine metrics for super-resolution: PSNR, SSIM and MAE on RGB and Y, and LPIPS.

The SR output is rounded to uint8 before comparison, as the MATLAB evaluation
scripts behind the published tables do (they compare saved 8-bit images).
"""

import logging
import os
from functools import partial
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from srzoo.evaluation import functional as F
from srzoo.registry import METRICS

_FUNCS = {"PSNR": F.psnr, "SSIM": F.ssim, "MAE": F.mae}
_SUFFIX = {"RGB": "", "Y": "_Y"}


def to_hwc_array(img: Any) -> np.ndarray:
    """Convert a (C, H, W) tensor/array (or a dict holding it under ``data``) to (H, W, C).

    Args:
        img: ``torch.Tensor`` or ``np.ndarray`` of shape (C, H, W) or (1, C, H, W), or a
            dict produced by ``BaseDataElement.to_dict()`` with the image in ``data``.

    Returns:
        np.ndarray: float64 (H, W, C).
    """
    if isinstance(img, dict) and "data" in img:
        img = img["data"]
    if isinstance(img, torch.Tensor):
        img = img.detach().cpu().to(torch.float64).numpy()
    img = np.asarray(img, dtype=np.float64)
    if img.ndim == 4 and img.shape[0] == 1:
        img = img[0]
    if img.ndim != 3:
        raise ValueError(f"expected a (C, H, W) image, got shape {img.shape}")
    return img.transpose(1, 2, 0)


def quantize(img: np.ndarray) -> np.ndarray:
    """Round and clip an image on [0, 255] to uint8, as saving to PNG does."""
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def to_uint8_hwc(img: Any) -> np.ndarray:
    """(C, H, W) tensor/array on [0, 255] (or its ``to_dict()`` form) -> (H, W, C) uint8."""
    return quantize(to_hwc_array(img))


def _field(sample: Any, key: str) -> Any:
    """Read ``key`` from a data sample that may be a dict or a ``BaseDataElement``."""
    if isinstance(sample, dict):
        return sample.get(key)
    return getattr(sample, key, None)


@METRICS.register_module()
class SRMetrics(BaseMetric):
    """PSNR / SSIM / MAE between ``pred_img`` and ``gt_img`` of each data sample.

    Each sample (a dict, as mmengine's ``Evaluator`` passes it, or a data element)
    holds ``pred_img`` and ``gt_img``: float tensors (C, H, W) on [0, 255]. When the
    sample has no ``gt_img`` it is read from ``data_batch['data_samples']``.

    ``compute_metrics`` returns the mean over images keyed ``'PSNR'``, ``'SSIM'``,
    ``'MAE'`` (RGB) and ``'PSNR_Y'``, ``'SSIM_Y'``, ``'MAE_Y'`` (BT.601 luma), for
    the chosen metrics and channels.

    Args:
        crop_border (int): pixels removed from each side (usually the scale). Default: 0.
        metrics (Sequence[str]): any of ``'PSNR'``, ``'SSIM'``, ``'MAE'``.
            Default: all three.
        channels (Sequence[str]): any of ``'RGB'``, ``'Y'``. Default: both.
        prefix (str, optional): prefix for the keys (``prefix/PSNR``). Default: None.
        collect_device (str): ``'cpu'`` or ``'gpu'`` for distributed collection.
            Default: ``'cpu'``.
    """

    default_prefix: Optional[str] = None

    def __init__(
        self,
        crop_border: int = 0,
        metrics: Sequence[str] = ("PSNR", "SSIM", "MAE"),
        channels: Sequence[str] = ("RGB", "Y"),
        prefix: Optional[str] = None,
        collect_device: str = "cpu",
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        bad = [m for m in metrics if m not in _FUNCS] + [c for c in channels if c not in _SUFFIX]
        if bad or not metrics or not channels:
            raise ValueError(
                f"SRMetrics: unknown or empty metrics/channels {bad or list(metrics)}; "
                f"metrics are {list(_FUNCS)}, channels are {list(_SUFFIX)}"
            )
        if crop_border < 0:
            raise ValueError(f"crop_border must be >= 0, got {crop_border}")
        self.crop_border = int(crop_border)
        self.metrics = tuple(metrics)
        self.channels = tuple(channels)

    def evaluate_pair(self, pred: np.ndarray, gt: np.ndarray) -> Dict[str, float]:
        """Compute every configured value for one (H, W, C) prediction and GT.

        Args:
            pred (np.ndarray): (H, W, C) on [0, 255]; rounded to uint8 here.
            gt (np.ndarray): (H, W, C) on [0, 255].

        Returns:
            dict[str, float]: e.g. ``{'PSNR': ..., 'PSNR_Y': ...}``.
        """
        pred = quantize(pred)
        if pred.shape[2] == 1:
            pred, gt = pred[:, :, 0], gt[:, :, 0]
        out = {}
        for channel in self.channels:
            for name in self.metrics:
                out[name + _SUFFIX[channel]] = _FUNCS[name](
                    pred, gt, crop_border=self.crop_border, y_channel=channel == "Y"
                )
        return out

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Score each sample of a batch and store the values in ``self.results``.

        Args:
            data_batch: the batch from the dataloader (``data_samples`` used as a
                fallback source of ``gt_img``).
            data_samples (Sequence[dict | BaseDataElement]): the model outputs.
        """
        batch_samples = data_batch.get("data_samples") if isinstance(data_batch, dict) else None
        for i, sample in enumerate(data_samples):
            pred, gt = _field(sample, "pred_img"), _field(sample, "gt_img")
            if gt is None and batch_samples is not None:
                gt = _field(batch_samples[i], "gt_img")
            if pred is None or gt is None:
                raise KeyError(
                    "SRMetrics needs 'pred_img' and 'gt_img' in every data sample; got "
                    f"keys {sorted(sample) if isinstance(sample, dict) else type(sample)}"
                )
            pred, gt = to_hwc_array(pred), to_hwc_array(gt)
            if pred.shape != gt.shape:
                raise ValueError(
                    f"SRMetrics: output {pred.shape} and GT {gt.shape} differ for "
                    f"'{_field(sample, 'gt_path') or _field(sample, 'img_name')}' (LQ "
                    f"'{_field(sample, 'lq_path')}'); GT must be LQ size x scale: mod-crop "
                    "the GT (ModCrop) or fix the LQ folder"
                )
            result: Dict[str, Any] = self.evaluate_pair(pred, gt)
            result["img_name"] = _field(sample, "img_name")
            self.results.append(result)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Average the per-image values.

        Args:
            results (list[dict]): what ``process`` stored, gathered over ranks.

        Returns:
            dict[str, float]: the mean of each key over images.
        """
        keys = [k for k in results[0] if k != "img_name"] if results else []
        return {k: float(np.mean([r[k] for r in results])) for k in keys}


TORCHVISION_ALEXNET_FILE = "alexnet-owt-7be5be79.pth"
LPIPS_ALEX_FILE = "lpips_alex_v0.1.pth"
# LPIPS input scaling (Zhang et al.), applied to images on [-1, 1].
_LPIPS_SHIFT = (-0.030, -0.088, -0.188)
_LPIPS_SCALE = (0.458, 0.448, 0.450)


class _LPIPSAlex(torch.nn.Module):
    """LPIPS with an AlexNet trunk; ``features`` follows torchvision's layout so its
    state dict (``features.{0,3,6,8,10}.*``) loads unchanged. Taps after each ReLU."""

    def __init__(self) -> None:
        super().__init__()
        nn = torch.nn
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
            nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(),
        )  # fmt: skip
        self.taps = (1, 4, 7, 9, 11)
        self.lins = nn.ParameterList(
            [nn.Parameter(torch.zeros(1, c, 1, 1)) for c in (64, 192, 384, 256, 256)]
        )
        self.register_buffer("shift", torch.tensor(_LPIPS_SHIFT).view(1, 3, 1, 1))
        self.register_buffer("scale", torch.tensor(_LPIPS_SCALE).view(1, 3, 1, 1))

    def load(self, backbone: dict, linear: dict) -> None:
        """Load torchvision AlexNet weights and the LPIPS ``lin{k}.model.1.weight`` tensors."""
        trunk = {k[len("features.") :]: v for k, v in backbone.items() if k.startswith("features.")}
        self.features.load_state_dict(trunk, strict=True)
        for k, lin in enumerate(self.lins):
            lin.data.copy_(linear.get(f"lin{k}.model.1.weight", linear.get(f"lin{k}.weight")))

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """LPIPS distance of (N, 3, H, W) images on [-1, 1]; returns (N,)."""
        x, y = (a - self.shift) / self.scale, (b - self.shift) / self.scale
        total = torch.zeros(a.shape[0], device=a.device)
        for i, layer in enumerate(self.features):
            x, y = layer(x), layer(y)
            if i in self.taps:
                lin = self.lins[self.taps.index(i)]
                fx = x / (x.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
                fy = y / (y.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
                total = total + ((fx - fy) ** 2 * lin).sum(1).mean(dim=(1, 2))
        return total


@METRICS.register_module()
class LPIPS(BaseMetric):
    """LPIPS perceptual distance (Zhang et al., CVPR 2018), AlexNet variant, lower is better.

    Needs two local files (nothing is downloaded):

    - ``backbone_weights``: torchvision's AlexNet, default
      ``<torch.hub.get_dir()>/checkpoints/alexnet-owt-7be5be79.pth``;
    - ``lpips_weights``: the LPIPS linear layers, ``weights/v0.1/alex.pth`` of the
      ``lpips`` package, default ``<torch.hub.get_dir()>/checkpoints/lpips_alex_v0.1.pth``.

    The SR output is rounded to uint8 first; images are mapped to [-1, 1]. The result
    key is ``'LPIPS'``.

    Args:
        backbone_weights (str, optional): AlexNet weights file. Default: hub cache path.
        lpips_weights (str, optional): LPIPS linear weights file. Default: hub cache path.
        crop_border (int): pixels removed from each side. Default: 0.
        skip_if_missing (bool): without the files, log a warning and report nothing
            instead of raising. Default: False.
        prefix (str, optional): key prefix. Default: None.
        collect_device (str): device for distributed collection. Default: ``'cpu'``.

    Raises:
        FileNotFoundError: a weight file is missing and ``skip_if_missing`` is False.
    """

    default_prefix: Optional[str] = None

    def __init__(
        self,
        backbone_weights: Optional[str] = None,
        lpips_weights: Optional[str] = None,
        crop_border: int = 0,
        skip_if_missing: bool = False,
        prefix: Optional[str] = None,
        collect_device: str = "cpu",
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        hub = os.path.join(torch.hub.get_dir(), "checkpoints")
        files = [
            backbone_weights or os.path.join(hub, TORCHVISION_ALEXNET_FILE),
            lpips_weights or os.path.join(hub, LPIPS_ALEX_FILE),
        ]
        self.crop_border = crop_border
        self.net: Optional[_LPIPSAlex] = None
        missing = [f for f in files if not os.path.isfile(f)]
        if missing:
            msg = (
                f"LPIPS needs local weight files, missing: {', '.join(missing)}. Put torchvision's "
                f"{TORCHVISION_ALEXNET_FILE} and the lpips package's weights/v0.1/alex.pth there "
                "(or pass backbone_weights= / lpips_weights=)."
            )
            if not skip_if_missing:
                raise FileNotFoundError(msg)
            print_log(msg + " LPIPS is skipped.", logger="current", level=logging.WARNING)
            return
        load = partial(torch.load, map_location="cpu", weights_only=True)
        self.net = _LPIPSAlex().eval()
        self.net.load(load(files[0]), load(files[1]))

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Compute LPIPS for each sample with ``pred_img`` and ``gt_img`` (C, H, W) on [0, 255]."""
        if self.net is None:
            return
        c = self.crop_border
        for sample in data_samples:
            imgs = [to_hwc_array(_field(sample, k)) for k in ("pred_img", "gt_img")]
            imgs[0] = quantize(imgs[0]).astype(np.float64)
            if c:
                imgs = [img[c:-c, c:-c] for img in imgs]
            a, b = (
                torch.from_numpy(i.transpose(2, 0, 1).copy()).float()[None] / 127.5 - 1
                for i in imgs
            )
            with torch.no_grad():
                self.results.append({"LPIPS": float(self.net(a, b)[0])})

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Mean LPIPS over images (empty when skipped)."""
        return {"LPIPS": float(np.mean([r["LPIPS"] for r in results]))} if results else {}
