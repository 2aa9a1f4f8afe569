"""Write LR | SR | GT side-by-side PNGs of a few fixed validation images."""

import os
from typing import Any, Optional, Sequence

import cv2
import numpy as np
from mmengine.hooks import Hook

from srzoo.evaluation.metrics import to_uint8_hwc
from srzoo.registry import HOOKS


def _field(sample: Any, key: str) -> Any:
    """Read ``key`` from a data sample (dict or data element, fields or metainfo)."""
    if isinstance(sample, dict):
        return sample.get(key)
    return getattr(sample, key, None) if sample is not None else None


def side_by_side(lr: np.ndarray, sr: np.ndarray, gt: Optional[np.ndarray]) -> np.ndarray:
    """Compose LR (nearest-upscaled to SR's size) | SR | GT into one (H, 3W, C) image.

    Args:
        lr (np.ndarray): (h, w, C) uint8.
        sr (np.ndarray): (H, W, C) uint8.
        gt (np.ndarray, optional): (H', W', C) uint8, cropped/padded to (H, W); black
            when absent.

    Returns:
        np.ndarray: (H, 3W, C) uint8.
    """
    h, w, c = sr.shape
    canvas = np.zeros((h, 3 * w, c), dtype=np.uint8)
    lr_up = cv2.resize(lr, (w, h), interpolation=cv2.INTER_NEAREST)
    canvas[:, :w] = lr_up.reshape(h, w, -1)[:, :, :c]
    canvas[:, w : 2 * w] = sr
    if gt is not None:
        gh, gw = min(h, gt.shape[0]), min(w, gt.shape[1])
        canvas[:gh, 2 * w : 2 * w + gw] = gt[:gh, :gw, :c]
    return canvas


@HOOKS.register_module()
class SRVisualizationHook(Hook):
    """Save LR | SR | GT comparisons of the first validation images.

    At a validation run at least ``interval`` training iterations after the last
    one written (the first run always writes), the first ``num_images`` validation
    images, in loader order, are written to
    ``work_dir/out_dir/iter_{N}/<img_name>.png`` (N = the training iteration). The LR
    is nearest-upscaled so its pixels stay visible.

    Reads ``data_batch['inputs']`` (a list of (C, h, w) tensors or an (N, C, h, w)
    tensor on [0, 255]) and each output's ``pred_img`` and ``gt_img`` ((C, H, W) on
    [0, 255]); ``gt_img`` falls back to ``data_batch['data_samples']``.

    Args:
        interval (int): minimum training iterations between two dumps. Default: 1000.
        num_images (int): images per dump. Default: 4.
        out_dir (str): folder under the work dir. Default: ``'vis'``.
    """

    priority = "LOW"

    def __init__(self, interval: int = 1000, num_images: int = 4, out_dir: str = "vis") -> None:
        if interval < 1 or num_images < 0:
            raise ValueError(
                f"need interval >= 1 and num_images >= 0, got {interval}, {num_images}"
            )
        self.interval = interval
        self.num_images = num_images
        self.out_dir = out_dir
        self._last_iter: Optional[int] = None
        self._active = False
        self._seen = 0

    def before_val_epoch(self, runner: Any) -> None:
        """Decide whether this validation run writes images."""
        it = runner.iter
        self._active = self._last_iter is None or it - self._last_iter >= self.interval
        if self._active:
            self._last_iter = it
        self._seen = 0

    def after_val_iter(
        self,
        runner: Any,
        batch_idx: int,
        data_batch: Optional[dict] = None,
        outputs: Optional[Sequence] = None,
    ) -> None:
        """Write the comparisons for this batch while fewer than ``num_images`` are done."""
        if not self._active or self._seen >= self.num_images or not outputs or data_batch is None:
            return
        inputs = data_batch["inputs"]
        batch_samples = data_batch.get("data_samples") or [None] * len(outputs)
        folder = os.path.join(runner.work_dir, self.out_dir, f"iter_{runner.iter}")
        os.makedirs(folder, exist_ok=True)
        for lr, out, src in zip(inputs, outputs, batch_samples):
            if self._seen >= self.num_images:
                break
            gt = _field(out, "gt_img")
            gt = gt if gt is not None else _field(src, "gt_img")
            image = side_by_side(
                to_uint8_hwc(lr),
                to_uint8_hwc(_field(out, "pred_img")),
                None if gt is None else to_uint8_hwc(gt),
            )
            name = _field(out, "img_name") or _field(src, "img_name") or f"{self._seen:04d}"
            if image.shape[2] == 3:
                image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
            cv2.imwrite(os.path.join(folder, f"{name}.png"), image)
            self._seen += 1
