"""Checkpoint hook: atomic ``last_checkpoint``, safe rotation, and the train state.

mmengine's ``CheckpointHook`` deletes the oldest checkpoint *before* it writes the new
one and writes ``last_checkpoint`` with a plain ``open(..., 'w')``: a crash in between
can leave no checkpoint, or an empty pointer. :class:`AtomicCheckpointHook` takes the
same arguments and

* writes the new checkpoint first (atomically, through ``SRRunner.save_checkpoint``),
  then ``last_checkpoint`` atomically, and only then deletes checkpoints beyond
  ``max_keep_ckpts``;
* removes temporary files left by a save that was killed;
* saves the best checkpoint (``save_best``) beside the regular ones, never through the
  rotation: mmengine re-saves ``iter_<validation step>.pth`` after a new best, which adds a
  checkpoint nobody asked for and pushes a requested one out of ``max_keep_ckpts``. The
  best score is still recorded in the message hub, so the next regular checkpoint carries it.

The train state for an exact resume is not this hook's business: ``SRRunner`` saves and
loads it with every checkpoint, whichever checkpoint hook is configured.
"""

import os.path as osp
from pathlib import Path
from typing import List, Optional

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from srzoo.checkpoint import write_text_atomic
from srzoo.registry import HOOKS


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` (same arguments) that never leaves a broken state.

    See the module docstring. Use it as ``default_hooks.checkpoint`` (srzoo's
    ``default_runtime.py`` does), with :class:`~srzoo.engine.runner.SRRunner` and
    :class:`~srzoo.engine.loops.ResumableIterBasedTrainLoop` for an exact resume.
    """

    def before_train(self, runner) -> None:
        """mmengine's set-up, then delete temporary files of interrupted saves."""
        super().before_train(runner)
        if is_main_process() and Path(self.out_dir).is_dir():
            for stale in Path(self.out_dir).glob(".*.tmp"):
                stale.unlink(missing_ok=True)

    _saving_best = False

    def _save_best_checkpoint(self, runner, metrics: dict) -> None:
        """mmengine's best-checkpoint save, without its extra regular save (see above)."""
        self._saving_best = True
        try:
            super()._save_best_checkpoint(runner, metrics)
        finally:
            self._saving_best = False

    def _rotate(self, runner, step: int) -> List[str]:
        """Record ``step`` among the kept checkpoints; return the paths that fall out."""
        if self.max_keep_ckpts <= 0 or (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            return []
        stale = []
        if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
            old = self.keep_ckpt_ids.popleft()
            stale.append(self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(old)))
        self.keep_ckpt_ids.append(step)
        runner.message_hub.update_info("keep_ckpt_ids", list(self.keep_ckpt_ids))
        return stale

    def _save_checkpoint_with_step(self, runner, step: int, meta: Optional[dict]) -> None:
        if self._saving_best:  # mmengine's re-save of iter_<validation step>: skipped
            return
        stale = self._rotate(runner, step)
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info("last_ckpt", self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args,
        )
        if not is_main_process():
            return
        write_text_atomic(self.last_ckpt, osp.join(runner.work_dir, "last_checkpoint"))
        for path in stale:
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
