"""Test helper hook: after training, each rank saves its generator weights to the work dir."""

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from srzoo.registry import HOOKS


@HOOKS.register_module()
class RankDumpHook(Hook):
    """Write ``generator_rank{R}.pt`` (the unwrapped generator's state dict) after the run."""

    def after_run(self, runner) -> None:
        model = getattr(runner.model, "module", runner.model)
        generator = getattr(model.generator, "module", model.generator)
        state = {k: v.detach().cpu() for k, v in generator.state_dict().items()}
        torch.save(state, f"{runner.work_dir}/generator_rank{get_rank()}.pt")
