"""mmengine metrics for GAN SR: NIQE (no reference) and LPIPS (AlexNet v0.1).

GAN SR is judged on these rather than PSNR: ESRGAN's perceptual index is built from NIQE,
and Real-ESRGAN users and papers report NIQE and LPIPS. Both round the SR output to uint8
first, like :class:`~srzoo.evaluation.metrics.SRMetrics`, and both are registered in
``METRICS``, so a config adds them to its evaluator::

    test_evaluator = [
        dict(type="SRMetrics", crop_border=4),
        dict(type="NIQE", crop_border=4),
        dict(type="LPIPS", crop_border=4),  # needs two weight files, see docs/benchmarks.md
    ]
"""

import logging
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from srzoo.evaluation.lpips_net import build_lpips, missing_reason, weight_paths
from srzoo.evaluation.metrics import KeepsPerImage, field, quantize, to_hwc_array
from srzoo.evaluation.niqe import BLOCK_SIZE, load_pristine_model, niqe
from srzoo.registry import METRICS
from srzoo.utils.names import resolve_device

Value = Union[float, str]


def _crop(img: np.ndarray, border: int) -> np.ndarray:
    return img[border:-border, border:-border] if border else img


def _check_border(crop_border: int) -> int:
    if crop_border < 0:
        raise ValueError(f"crop_border must be >= 0, got {crop_border}")
    return int(crop_border)


@METRICS.register_module()
class NIQE(KeepsPerImage, BaseMetric):
    """NIQE of each ``pred_img`` (Mittal et al., IEEE SPL 2013); lower is better.

    BasicSR's MATLAB conventions (:mod:`srzoo.evaluation.niqe`): the uint8-rounded output's
    BT.601 luma, ``crop_border`` removed, 96x96 blocks, the authors' pristine model. No GT
    is needed. The result key is ``'NIQE'`` (mean over images).

    Args:
        crop_border (int): pixels removed from each side (usually the scale). Default: 0.
        pristine_params (str, optional): an ``.npz`` pristine model. Default: the one
            shipped with srzoo (``srzoo/evaluation/data/niqe_pris_params.npz``).
        prefix (str, optional): key prefix. Default: None.
        collect_device (str): device for distributed collection. Default: ``'cpu'``.

    Raises:
        ValueError: (in ``process``) an image smaller than two 96x96 blocks after cropping.
    """

    default_prefix: Optional[str] = ""  # keys unprefixed (PSNR, not x/PSNR), no mmengine warning

    def __init__(
        self,
        crop_border: int = 0,
        pristine_params: Optional[str] = None,
        prefix: Optional[str] = None,
        collect_device: str = "cpu",
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.crop_border = _check_border(crop_border)
        self.model = load_pristine_model(pristine_params)

    def conventions(self) -> Dict[str, str]:
        """``{'NIQE': 'Y BT.601, border N, 96px blocks'}``."""
        return {"NIQE": f"Y BT.601, border {self.crop_border}, {BLOCK_SIZE}px blocks"}

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Score each sample's ``pred_img`` ((C, H, W) on [0, 255])."""
        for sample in data_samples:
            pred = quantize(to_hwc_array(field(sample, "pred_img")))
            value = niqe(pred, self.crop_border, model=self.model)
            self.results.append({"NIQE": value, "img_name": field(sample, "img_name")})

    def compute_metrics(self, results: List[dict]) -> Dict[str, Value]:
        """Mean NIQE over images, or ``'n/a: ...'`` when some image has no texture."""
        self.keep_per_image(results)
        if not results:
            return {}
        values = np.array([r["NIQE"] for r in results], dtype=np.float64)
        flat = int(np.isnan(values).sum())
        if flat:
            return {
                "NIQE": f"n/a: undefined for {flat} of {len(values)} images (flat or saturated: "
                f"fewer than two textured {BLOCK_SIZE}x{BLOCK_SIZE} blocks)"
            }
        return {"NIQE": float(values.mean())}


@METRICS.register_module()
class LPIPS(KeepsPerImage, BaseMetric):
    """LPIPS between ``pred_img`` and ``gt_img`` (Zhang et al., CVPR 2018); lower is better.

    AlexNet, version 0.1, equal to ``lpips.LPIPS(net='alex', version='0.1')`` on the
    uint8-rounded output and the GT mapped to [-1, 1] (grey images repeated to RGB). The
    weights are read from local files (:mod:`srzoo.evaluation.lpips_net`); nothing is
    downloaded. Without them the result is the string
    ``'n/a: no AlexNet weights at <path>'`` (so a table says why), or an error with
    ``if_missing='raise'``. The result key is ``'LPIPS'``.

    Args:
        alexnet_weights (str, optional): torchvision's AlexNet file. Default:
            ``<torch hub dir>/checkpoints/alexnet-owt-7be5be79.pth``.
        lin_weights (str, optional): the LPIPS v0.1 linear layers. Default: the installed
            ``lpips`` package's ``weights/v0.1/alex.pth``, else
            ``<torch hub dir>/checkpoints/lpips_alex_v0.1.pth``.
        crop_border (int): pixels removed from each side. Default: 0.
        if_missing (str): ``'na'`` (report the reason) or ``'raise'``. Default: ``'na'``.
        device (str): where the network runs. Default: ``'cpu'``.
        prefix (str, optional): key prefix. Default: None.
        collect_device (str): device for distributed collection. Default: ``'cpu'``.

    Raises:
        FileNotFoundError: a weight file is missing and ``if_missing='raise'``.
        WeightsError: a weight file holds other weights.
    """

    default_prefix: Optional[str] = ""  # keys unprefixed (PSNR, not x/PSNR), no mmengine warning

    def __init__(
        self,
        alexnet_weights: Optional[str] = None,
        lin_weights: Optional[str] = None,
        crop_border: int = 0,
        if_missing: str = "na",
        device: str = "cpu",
        prefix: Optional[str] = None,
        collect_device: str = "cpu",
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if if_missing not in ("na", "raise"):
            raise ValueError(f"if_missing must be 'na' or 'raise', got {if_missing!r}")
        self.crop_border = _check_border(crop_border)
        self.device = resolve_device(device)
        self.net = None
        self.unavailable: Optional[str] = None
        reason = missing_reason(*weight_paths(alexnet_weights, lin_weights))
        if reason and if_missing == "na":
            self.unavailable = f"n/a: {reason}"
            print_log(f"LPIPS is not computed: {reason}", logger="current", level=logging.WARNING)
            return
        self.net = build_lpips(alexnet_weights, lin_weights).to(self.device)

    def conventions(self) -> Dict[str, str]:
        """``{'LPIPS': 'AlexNet v0.1, RGB, border N'}``."""
        return {"LPIPS": f"AlexNet v0.1, RGB, border {self.crop_border}"}

    def _to_input(self, img: Any, round_first: bool) -> torch.Tensor:
        """(C, H, W) on [0, 255] -> (1, 3, H', W') on [-1, 1], cropped."""
        arr = to_hwc_array(img)
        arr = quantize(arr).astype(np.float64) if round_first else arr
        arr = _crop(arr, self.crop_border)
        if arr.shape[2] == 1:
            arr = np.repeat(arr, 3, axis=2)
        tensor = torch.from_numpy(arr.transpose(2, 0, 1).copy()).float()[None]
        return (tensor / 255.0 * 2 - 1).to(self.device)

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """LPIPS of each sample with ``pred_img`` and ``gt_img`` ((C, H, W) on [0, 255])."""
        batch_samples = data_batch.get("data_samples") if isinstance(data_batch, dict) else None
        for i, sample in enumerate(data_samples):
            if self.net is None:
                self.results.append({})
                continue
            gt = field(sample, "gt_img")
            if gt is None and batch_samples is not None:
                gt = field(batch_samples[i], "gt_img")
            pred = self._to_input(field(sample, "pred_img"), round_first=True)
            with torch.no_grad():
                value = self.net(pred, self._to_input(gt, round_first=False))
            self.results.append({"LPIPS": float(value[0]), "img_name": field(sample, "img_name")})

    def compute_metrics(self, results: List[dict]) -> Dict[str, Value]:
        """Mean LPIPS over images, or the ``'n/a: ...'`` reason."""
        self.keep_per_image(results)
        if self.unavailable:
            return {"LPIPS": self.unavailable}
        return {"LPIPS": float(np.mean([r["LPIPS"] for r in results]))} if results else {}
