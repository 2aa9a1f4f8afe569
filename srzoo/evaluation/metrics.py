"""mmengine metrics for super-resolution: PSNR, SSIM and MAE on RGB and Y.

The SR output is rounded to uint8 before comparison, as the MATLAB evaluation
scripts behind the published tables do (they compare saved 8-bit images). NIQE and LPIPS
are in :mod:`srzoo.evaluation.perceptual_metrics`.

Every srzoo metric has ``conventions()``: result key -> how it was computed (channel,
border, version), which ``srzoo test`` writes into the table header.
"""

from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from srzoo.evaluation import functional as F
from srzoo.registry import METRICS

_FUNCS = {"PSNR": F.psnr, "SSIM": F.ssim, "MAE": F.mae}
_SUFFIX = {"RGB": "", "Y": "_Y"}
_CHANNEL_NAMES = {"RGB": "RGB", "Y": "Y BT.601"}


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


def field(sample: Any, key: str) -> Any:
    """Read ``key`` from a data sample that may be a dict or a ``BaseDataElement``."""
    if isinstance(sample, dict):
        return sample.get(key)
    return getattr(sample, key, None)


class KeepsPerImage:
    """For srzoo's metrics: the last evaluation's per-image values, for per-image tables.

    ``compute_metrics`` calls :meth:`keep_per_image` with the results of every process
    (mmengine collects them on rank 0 first); ``per_image`` then holds one dict per image
    with its ``img_name``.
    """

    per_image: List[dict] = []

    def keep_per_image(self, results: List[dict]) -> None:
        self.per_image = [dict(r) for r in results if r.get("img_name") is not None]


@METRICS.register_module()
class SRMetrics(KeepsPerImage, BaseMetric):
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

    default_prefix: Optional[str] = ""  # keys unprefixed (PSNR, not x/PSNR), no mmengine warning

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

    def conventions(self) -> Dict[str, str]:
        """Result key -> its convention, e.g. ``{'PSNR_Y': 'Y BT.601, border 4'}``."""
        return {
            name + _SUFFIX[channel]: f"{_CHANNEL_NAMES[channel]}, border {self.crop_border}"
            for channel in self.channels
            for name in self.metrics
        }

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
            pred, gt = field(sample, "pred_img"), field(sample, "gt_img")
            if gt is None and batch_samples is not None:
                gt = field(batch_samples[i], "gt_img")
            if pred is None or gt is None:
                raise KeyError(
                    "SRMetrics needs 'pred_img' and 'gt_img' in every data sample; got "
                    f"keys {sorted(sample) if isinstance(sample, dict) else type(sample)}"
                )
            pred, gt = to_hwc_array(pred), to_hwc_array(gt)
            if pred.shape != gt.shape:
                raise ValueError(
                    f"SRMetrics: output {pred.shape} and GT {gt.shape} differ for "
                    f"'{field(sample, 'gt_path') or field(sample, 'img_name')}' (LQ "
                    f"'{field(sample, 'lq_path')}'); GT must be LQ size x scale: mod-crop "
                    "the GT (ModCrop) or fix the LQ folder"
                )
            result: Dict[str, Any] = self.evaluate_pair(pred, gt)
            result["img_name"] = field(sample, "img_name")
            self.results.append(result)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Average the per-image values.

        Args:
            results (list[dict]): what ``process`` stored, gathered over ranks.

        Returns:
            dict[str, float]: the mean of each key over images.
        """
        self.keep_per_image(results)
        keys = [k for k in results[0] if k != "img_name"] if results else []
        return {k: float(np.mean([r[k] for r in results])) for k in keys}
