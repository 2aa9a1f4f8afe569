"""Test-only hooks for the schedule-resume tests, imported by configs via ``custom_imports``.

* ``LRRecordHook``: appends ``{"iter": i, "lr": {...}}`` (1-based iteration, the learning
  rates it trains with) to a JSON-lines file before every iteration.
* ``StopAfterHook``: stops training after iteration ``after``, as a kill would, without
  changing the schedule of the config.
"""

import json

from mmengine.hooks import Hook

from srzoo.registry import HOOKS


@HOOKS.register_module()
class LRRecordHook(Hook):
    """Record the learning rates each iteration trains with."""

    def __init__(self, path: str) -> None:
        self.path = path

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        lr = {k: v[0] for k, v in runner.optim_wrapper.get_lr().items()}
        with open(self.path, "a") as f:
            f.write(json.dumps(dict(iter=runner.iter + 1, lr=lr)) + "\n")


@HOOKS.register_module()
class StopAfterHook(Hook):
    """Stop the train loop after iteration ``after`` (its checkpoint is still written)."""

    def __init__(self, after: int) -> None:
        self.after = after

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if runner.iter + 1 >= self.after:
            runner.train_loop.stop_training = True
