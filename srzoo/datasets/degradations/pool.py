"""Real-ESRGAN's training-pair pool, with its state in the state dict.

Wang et al., "Real-ESRGAN", ICCVW 2021 (arXiv 2107.10833): all images of a batch share one
resize scale, so a pool of ``size`` past (LQ, GT) pairs is mixed into each batch for more
diversity. Reference: ``_dequeue_and_enqueue`` of Real-ESRGAN's ``realesrgan_model.py``:
while filling, the batch is stored and returned unchanged; once full, N pooled pairs drawn
at random are returned and replaced by the batch.

The pool's content and fill level are buffers (``lq``, ``gt``, ``filled_count`` in
``state_dict()``), so a checkpoint restores it exactly. Plain tensors are what every
checkpoint path carries: srzoo's weight loader keeps only tensors, and mmengine broadcasts
each state-dict entry at start-up (a module's ``_extra_state`` dict breaks both). The pool
buffers start empty and take the patch shapes of the first batch, or of a loaded state.
Each rank keeps its own pool, as the reference does: the data preprocessor has no
parameters, so ``MMSeparateDistributedDataParallel`` leaves it unwrapped and its buffers are
never broadcast during training.
"""

from typing import Any, Dict, List, Tuple

import numpy as np
import torch
from torch import nn


class TrainingPairPool(nn.Module):
    """A shuffled pool of (LQ, GT) pairs of fixed size.

    Args:
        size: Number of pairs held (Real-ESRGAN: 180); 0 disables the pool. Must be a
            multiple of the batch size.

    Raises:
        ValueError: A negative size.
    """

    def __init__(self, size: int = 180) -> None:
        super().__init__()
        if size < 0:
            raise ValueError(f"queue_size must be >= 0, got {size}")
        self.size = int(size)
        self.register_buffer("lq", torch.empty(0))
        self.register_buffer("gt", torch.empty(0))
        self.register_buffer("filled_count", torch.zeros((), dtype=torch.long))
        self.filled = 0  # the int that forward reads; filled_count mirrors it for checkpoints

    @property
    def allocated(self) -> bool:
        """Whether the pool holds patches (after its first batch or a loaded state)."""
        return self.lq.numel() > 0

    def _allocate(self, lq: torch.Tensor, gt: torch.Tensor) -> None:
        n = lq.shape[0]
        if self.size % n:
            raise ValueError(f"queue_size {self.size} is not a multiple of the batch size {n}")
        self.lq = lq.new_zeros((self.size, *lq.shape[1:]))
        self.gt = gt.new_zeros((self.size, *gt.shape[1:]))
        self._set_filled(0)

    def _set_filled(self, filled: int) -> None:
        self.filled = filled
        self.filled_count.fill_(filled)

    def _check(self, lq: torch.Tensor, gt: torch.Tensor) -> None:
        if self.lq.shape[1:] != lq.shape[1:] or self.gt.shape[1:] != gt.shape[1:]:
            raise ValueError(
                f"the pool holds LQ {tuple(self.lq.shape[1:])} / GT {tuple(self.gt.shape[1:])}"
                f" patches, got {tuple(lq.shape[1:])} / {tuple(gt.shape[1:])}"
            )
        if lq.shape[0] != gt.shape[0] or self.size % lq.shape[0]:
            raise ValueError(
                f"queue_size {self.size} is not a multiple of the batch size {lq.shape[0]}"
            )

    @torch.no_grad()
    def forward(
        self, lq: torch.Tensor, gt: torch.Tensor, order: int
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Store the batch; once the pool is full, swap it for N shuffled pooled pairs.

        Args:
            lq: (N, C, h, w) LQ batch.
            gt: (N, C, H, W) GT batch.
            order: Seed of the shuffle (from the batch's draw).

        Returns:
            The (lq, gt) batch to train on, same shapes.

        Raises:
            ValueError: The size is not a multiple of N, or the patch shapes changed.
        """
        if self.size == 0:
            return lq, gt
        if not self.allocated:
            self._allocate(lq, gt)
        self.lq, self.gt = self.lq.to(lq), self.gt.to(gt)
        self._check(lq, gt)
        n = lq.shape[0]
        if self.filled < self.size:
            self.lq[self.filled : self.filled + n] = lq
            self.gt[self.filled : self.filled + n] = gt
            self._set_filled(self.filled + n)
            return lq, gt
        # The reference shuffles the whole pool and swaps its first N pairs; swapping the
        # pairs at N uniformly drawn distinct slots in place is the same in distribution.
        slots = np.random.default_rng(order).permutation(self.size)[:n]
        slots = torch.from_numpy(slots).to(lq.device)
        out_lq, out_gt = self.lq[slots], self.gt[slots]
        self.lq[slots], self.gt[slots] = lq, gt
        return out_lq, out_gt

    def _load_from_state_dict(
        self,
        state_dict: Dict[str, Any],
        prefix: str,
        local_metadata: Dict[str, Any],
        strict: bool,
        missing_keys: List[str],
        unexpected_keys: List[str],
        error_msgs: List[str],
    ) -> None:
        """Take the saved pool's patch shapes, then load it (torch's hook; see the module).

        Raises:
            ValueError: The saved pool holds another number of pairs (``queue_size``).
        """
        lq, gt = state_dict.get(prefix + "lq"), state_dict.get(prefix + "gt")
        if isinstance(lq, torch.Tensor) and isinstance(gt, torch.Tensor):
            if lq.numel() and (lq.shape[0] != self.size or gt.shape[0] != self.size):
                raise ValueError(
                    f"the checkpoint's training-pair pool holds {lq.shape[0]} pairs, this "
                    f"one {self.size} (queue_size); use the run's queue_size to resume"
                )
            self.lq, self.gt = self.lq.new_empty(lq.shape), self.gt.new_empty(gt.shape)
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )
        self.filled = int(self.filled_count)

    def extra_repr(self) -> str:
        """Size and fill level."""
        return f"size={self.size}, filled={self.filled}"
