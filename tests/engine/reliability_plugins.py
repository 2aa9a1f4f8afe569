"""Test-only parts for the reliability tests, imported by configs via ``custom_imports``.

* ``CountReads``: a pipeline step that appends one line per loaded sample to the file
  named by ``$SRZOO_TEST_READS`` (when set), so a test can count the batches read.
* ``NoisyL1Loss``: L1 against a target with noise from torch's global RNG, so that a
  resumed run matches only if the RNG state was restored.
* ``NaNFromLoss``: an L1 loss that returns NaN from its ``nan_from``-th call on.
* ``SleepAfterHook``: sleeps after each iteration from ``after`` on, so a test can kill
  a run between two known points.
"""

import os
import time
from typing import Optional

import torch
from mmcv.transforms import BaseTransform
from mmengine.hooks import Hook

from srzoo.registry import HOOKS, LOSSES, TRANSFORMS


@TRANSFORMS.register_module()
class CountReads(BaseTransform):
    """Append a line to ``$SRZOO_TEST_READS`` for each sample (no randomness used)."""

    def transform(self, results: dict) -> dict:
        path = os.environ.get("SRZOO_TEST_READS")
        if path:
            with open(path, "a") as f:
                f.write(f"{results.get('gt_path')}\n")
        return results


@LOSSES.register_module()
class NoisyL1Loss(torch.nn.Module):
    """L1 loss against ``target + 0.01 * randn`` (torch's global RNG)."""

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        noisy = target + 0.01 * torch.randn_like(target)
        return self.loss_weight * (pred - noisy).abs().mean()


@LOSSES.register_module()
class NaNFromLoss(torch.nn.Module):
    """L1 loss that is NaN from its ``nan_from``-th call on (0-based), until ``nan_to``."""

    def __init__(self, nan_from: int, nan_to: Optional[int] = None, loss_weight: float = 1.0):
        super().__init__()
        self.nan_from, self.nan_to, self.loss_weight = nan_from, nan_to, loss_weight
        self.calls = 0

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        call, self.calls = self.calls, self.calls + 1
        loss = self.loss_weight * (pred - target).abs().mean()
        if call >= self.nan_from and (self.nan_to is None or call < self.nan_to):
            return loss * float("nan")
        return loss


@HOOKS.register_module()
class SleepAfterHook(Hook):
    """Sleep ``seconds`` after every training iteration from iteration ``after`` on."""

    def __init__(self, after: int, seconds: float) -> None:
        self.after, self.seconds = after, seconds

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if runner.iter + 1 >= self.after:
            time.sleep(self.seconds)
