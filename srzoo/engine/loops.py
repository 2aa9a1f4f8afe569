"""The iteration-based training loop that resumes exactly, without re-reading the past.

mmengine's ``IterBasedTrainLoop`` resumes by pulling ``iter`` batches from the data
loader and throwing them away (mmengine #1520, #1548): the cost of a resume grows with
the iteration count, and the random crops of the resumed run need not match. This loop
instead saves, with every checkpoint, the global RNG states and the position of a
:class:`~srzoo.datasets.samplers.ResumableInfiniteSampler`; on resume it puts the sampler
at that position and restores the RNGs, in constant time.

It also runs validation with the RNG states preserved, so that validating does not
change the training run, and adds the last good checkpoint to a non-finite-loss stop.
"""

import logging
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmengine.logging import print_log
from mmengine.runner.loops import IterBasedTrainLoop, _InfiniteDataloaderIterator
from torch import nn
from torch.utils.data import DataLoader

from srzoo.engine.resume import capture_rng, preserved_rng, restore_rng
from srzoo.errors import NonFiniteLossError
from srzoo.registry import LOOPS


@LOOPS.register_module()
class ResumableIterBasedTrainLoop(IterBasedTrainLoop):
    """``IterBasedTrainLoop`` with an O(1), bit-exact resume (see the module docstring).

    Takes the arguments of mmengine's ``IterBasedTrainLoop``. The data position is
    restored in O(1) when the train sampler has ``state_dict``/``load_state_dict`` (srzoo's
    ``ResumableInfiniteSampler``); with another sampler the loop falls back to mmengine's
    fast-forward, with a warning.
    """

    def __init__(
        self,
        runner,
        dataloader: Union[DataLoader, Dict],
        max_iters: int,
        val_begin: int = 1,
        val_interval: int = 1000,
        dynamic_intervals: Optional[List[Tuple[int, int]]] = None,
    ) -> None:
        super().__init__(runner, dataloader, max_iters, val_begin, val_interval, dynamic_intervals)
        self.batches_read = 0

    def _resumable_sampler(self):
        sampler = getattr(self.dataloader, "sampler", None)
        ok = hasattr(sampler, "load_state_dict") and self.dataloader.batch_size is not None
        return sampler if ok else None

    def train_state(self) -> dict:
        """RNG states and data position after the batches read so far (for checkpoints)."""
        state = dict(rng=capture_rng(), batches=self.batches_read)
        sampler = self._resumable_sampler()
        if sampler is not None:
            state["sampler"] = sampler.state_dict(self.batches_read * self.dataloader.batch_size)
        return state

    def _continue(self) -> None:
        """Put the data stream and the RNGs where the checkpoint left them."""
        state = getattr(self.runner, "resumed_train_state", None) or {}
        sampler = self._resumable_sampler()
        if sampler is not None and "sampler" in state:
            sampler.load_state_dict(state["sampler"])
            self.dataloader_iterator = _InfiniteDataloaderIterator(self.dataloader)
            self.batches_read = int(state["batches"])
            how = "sampler position restored, no batch re-read"
        else:
            print_log(
                "the checkpoint or the train sampler cannot restore the data position: "
                f"re-reading {self._iter} batches to skip them (use ResumableInfiniteSampler "
                "and a checkpoint written by srzoo's runner for an O(1) resume)",
                logger="current",
                level=logging.WARNING,
            )
            for _ in range(self._iter):
                next(self.dataloader_iterator)
            self.batches_read = self._iter
            how = "data fast-forwarded"
        if "rng" in state:
            restore_rng(state["rng"])
            how += ", RNG states restored"
        print_log(f"resumed at iteration {self._iter}: {how}", logger="current")

    def run(self) -> nn.Module:
        """Train to ``max_iters``, continuing from the resume state when there is one."""
        self.runner.call_hook("before_train")
        self.runner.call_hook("before_train_epoch")
        if self._iter > 0:
            self._continue()
        while self._iter < self._max_iters and not self.stop_training:
            self.runner.model.train()
            data_batch = next(self.dataloader_iterator)
            self.batches_read += 1
            self.run_iter(data_batch)
            self._decide_current_val_interval()
            if (
                self.runner.val_loop is not None
                and self._iter >= self.val_begin
                and (self._iter % self.val_interval == 0 or self._iter == self._max_iters)
            ):
                with preserved_rng():
                    self.runner.val_loop.run()
        self.runner.call_hook("after_train_epoch")
        self.runner.call_hook("after_train")
        return self.runner.model

    def run_iter(self, data_batch: Sequence[dict]) -> None:
        """One iteration; a non-finite-loss stop names the last good checkpoint."""
        try:
            super().run_iter(data_batch)
        except NonFiniteLossError as err:
            last = self.runner.message_hub.get_info("last_ckpt")
            where = f"the last good checkpoint is {last}" if last else "no checkpoint yet"
            raise NonFiniteLossError(
                f"{err} Stopped at iteration {self._iter + 1}; {where} (its weights "
                "were never touched by a non-finite update)."
            ) from None
