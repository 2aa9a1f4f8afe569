"""srzoo's Runner: mmengine's, with srzoo's checkpoint I/O and the exact-resume train state.

mmengine's Runner writes checkpoints non-atomically, loads them with
``torch.load(weights_only=False)`` and, on auto-resume, trusts ``last_checkpoint``
blindly (docs/mmengine_traps.md). :class:`SRRunner` changes exactly those things, and
carries the train loop's state (RNG states, data position) in its own save and load, so
an exact resume does not depend on which checkpoint hook is configured:

* :meth:`SRRunner.save_checkpoint` builds the same checkpoint dict as mmengine, adds the
  loop's ``train_state``, and writes it with :func:`srzoo.checkpoint.save_checkpoint_atomic`;
* :meth:`SRRunner.load_checkpoint` (and so ``resume`` and ``load_from``) reads through
  :func:`srzoo.checkpoint.load_weights` (``weights_only=True``), which calls torch's
  ``load_state_dict`` (mmengine's loader misses the weights of DDP-wrapped GAN parts), and
  keeps the checkpoint's train state in :attr:`SRRunner.resumed_train_state` for the loop;
* ``resume='auto'`` (``resume=True`` without ``load_from``) takes the newest checkpoint
  that loads (:func:`~srzoo.engine.resume.latest_valid_checkpoint`);
* :meth:`SRRunner.resume` lets the configured parameter schedule win over the
  checkpoint's when they differ (:mod:`srzoo.engine.schedule_resume`), with a warning
  naming both; an unchanged schedule is restored exactly as mmengine does.
"""

import time
from pathlib import Path
from typing import Optional

import mmengine
from mmengine.dist import master_only
from mmengine.optim import OptimWrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import weights_to_cpu
from mmengine.utils import apply_to

from srzoo.arch import SRArch
from srzoo.checkpoint import load_checkpoint_file, load_weights, save_checkpoint_atomic
from srzoo.engine import schedule_resume
from srzoo.engine.resume import latest_valid_checkpoint
from srzoo.utils.log_console import QuietConsoleMixin
from srzoo.utils.wrappers import unwrap

TRAIN_STATE_KEY = "train_state"


def _to_cpu(obj):
    return apply_to(obj, lambda x: hasattr(x, "cpu"), lambda x: x.cpu())


def _saved_schedule(saved, saved_types) -> str:
    """How the warning names a checkpoint's schedule."""
    if saved is None:
        return "none saved"
    states = schedule_resume.flatten_states(saved)
    names = saved_types if saved_types and len(saved_types) == len(states) else None
    return schedule_resume.describe(names or ["?"] * len(states), states)


class SRRunner(QuietConsoleMixin, Runner):
    """``mmengine.runner.Runner`` with atomic saves, safe loads and a checked auto-resume,
    and srzoo's console (one line for each of mmengine's dumps, :mod:`srzoo.utils.log_console`).

    Build it like the Runner: ``SRRunner.from_cfg(cfg)``; ``srzoo train`` does.

    Attributes:
        resumed_train_state (dict | None): The train state of the last checkpoint loaded,
            which :class:`~srzoo.engine.loops.ResumableIterBasedTrainLoop` applies when it
            continues a resumed run.
    """

    resumed_train_state: Optional[dict] = None

    def _checkpoint_meta(self, meta: Optional[dict], by_epoch: bool) -> dict:
        meta = dict(meta or {})
        meta.setdefault("epoch", self.epoch + 1 if by_epoch else self.epoch)
        meta.setdefault("iter", self.iter if by_epoch else self.iter + 1)
        meta.update(
            cfg=self.cfg.pretty_text,
            seed=self.seed,
            experiment_name=self.experiment_name,
            time=time.strftime("%Y%m%d_%H%M%S", time.localtime()),
            mmengine_version=mmengine.__version__,
        )
        if self._schedulers_built():
            meta.update(
                param_scheduler_types=schedule_resume.scheduler_types(self.param_schedulers)
            )
        generator = unwrap(getattr(unwrap(self.model), "generator", None))
        if isinstance(generator, SRArch):  # so the file alone rebuilds it (srzoo upscale)
            meta.update(arch=generator.arch_config, arch_module=type(generator).__module__)
        if hasattr(self.train_dataloader.dataset, "metainfo"):
            meta.update(dataset_meta=self.train_dataloader.dataset.metainfo)
        return meta

    def _schedulers_built(self) -> bool:
        """Whether ``param_schedulers`` holds scheduler objects (not yet-to-build configs)."""
        if not self.param_schedulers:
            return False
        pairs = schedule_resume.flatten(self.param_schedulers)
        return bool(pairs) and all(hasattr(s, "state_dict") for _, s in pairs)

    def _scheduler_states(self):
        if isinstance(self.param_schedulers, dict):
            return {k: [s.state_dict() for s in v] for k, v in self.param_schedulers.items()}
        return [s.state_dict() for s in self.param_schedulers]

    @master_only
    def save_checkpoint(
        self,
        out_dir: str,
        filename: str,
        file_client_args: Optional[dict] = None,
        save_optimizer: bool = True,
        save_param_scheduler: bool = True,
        meta: Optional[dict] = None,
        by_epoch: bool = True,
        backend_args: Optional[dict] = None,
    ) -> None:
        """Save mmengine's checkpoint dict atomically to ``out_dir/filename`` (local disk).

        The arguments are mmengine's; ``file_client_args`` and ``backend_args`` must be
        None (srzoo writes local files only).
        """
        if file_client_args is not None or backend_args is not None:
            raise ValueError("SRRunner saves to local disk: drop file_client_args / backend_args")
        checkpoint = dict(
            meta=self._checkpoint_meta(meta, by_epoch),
            state_dict=weights_to_cpu(unwrap(self.model).state_dict()),
            message_hub=_to_cpu(self.message_hub.state_dict()),
        )
        train_state = getattr(self._train_loop, "train_state", None)
        if train_state is not None:  # RNG states and data position, for an exact resume
            checkpoint[TRAIN_STATE_KEY] = train_state()
        if save_optimizer:
            if not isinstance(self.optim_wrapper, OptimWrapper):
                raise TypeError(f"cannot save optimizer state of {self.optim_wrapper!r}")
            checkpoint["optimizer"] = _to_cpu(self.optim_wrapper.state_dict())
        if save_param_scheduler and self.param_schedulers is not None:
            checkpoint["param_schedulers"] = self._scheduler_states()
        self.call_hook("before_save_checkpoint", checkpoint=checkpoint)
        save_checkpoint_atomic(checkpoint, Path(out_dir) / filename)

    def load_checkpoint(
        self,
        filename: str,
        map_location="cpu",
        strict: bool = False,
        revise_keys: list = [(r"^module.", "")],  # noqa: B006 (mmengine's signature)
    ) -> dict:
        """Load ``filename`` safely (``weights_only=True``) into the model.

        ``map_location`` is accepted for mmengine's callers; tensors load on the CPU and
        move to the model's device in ``load_state_dict``.

        Raises:
            UnsafeCheckpointError: the file asks for code srzoo does not allow.
            CorruptCheckpointError: the file is truncated or corrupt.
        """
        checkpoint = load_checkpoint_file(filename)
        self.call_hook("after_load_checkpoint", checkpoint=checkpoint)
        self.resumed_train_state = checkpoint.get(TRAIN_STATE_KEY)
        meta = checkpoint.get("meta") or {}
        self._resumed_schedule = (
            checkpoint.get("param_schedulers"),
            meta.get("param_scheduler_types"),
        )
        result = load_weights(
            self.model, checkpoint, prefix="", strict=strict, revise_keys=revise_keys, name=filename
        )
        if result.missing_keys or result.unexpected_keys:
            self.logger.warning(
                f"{filename}: missing keys {result.missing_keys}, "
                f"unexpected keys {result.unexpected_keys}"
            )
        self._has_loaded = True
        self.logger.info(f"Load checkpoint from {filename}")
        return checkpoint

    def resume(
        self,
        filename: str,
        resume_optimizer: bool = True,
        resume_param_scheduler: bool = True,
        map_location="default",
    ) -> None:
        """mmengine's resume; then, if the configured parameter schedule differs from the
        checkpoint's (other schedulers, settings, base learning rates, or none saved), the
        config's wins at the restored iteration, with a warning naming both
        (:mod:`srzoo.engine.schedule_resume`)."""
        built = self._schedulers_built() or not self.param_schedulers
        fresh = None
        if resume_param_scheduler and built and isinstance(self.optim_wrapper, OptimWrapper):
            fresh = schedule_resume.capture(self.param_schedulers, self._optimizers())
        super().resume(filename, resume_optimizer, resume_param_scheduler, map_location)
        if fresh is None:
            return
        saved, saved_types = getattr(self, "_resumed_schedule", (None, None))
        loaded = schedule_resume.capture(self.param_schedulers, self._optimizers())
        if not schedule_resume.changed(fresh, loaded, saved, saved_types):
            return
        iters, epochs = self.train_loop._iter, self.train_loop._epoch
        schedule_resume.replay(self.param_schedulers, self._optimizers(), fresh, iters, epochs)
        self.logger.warning(
            f"resume: the param_scheduler (or learning rate) of the config differs from the "
            f"checkpoint's {filename}: checkpoint: {_saved_schedule(saved, saved_types)}; "
            f"config: {schedule_resume.describe(fresh.names, fresh.states)}. The config's "
            f"schedule is used, continued at iteration {iters} (learning rates now "
            f"{self.optim_wrapper.get_lr()})."
        )

    def _optimizers(self) -> list:
        """Every optimizer wrapper of the run (the values of an ``OptimWrapperDict``)."""
        wrapper = self.optim_wrapper
        return list(wrapper.values()) if hasattr(wrapper, "values") else [wrapper]

    def load_or_resume(self) -> None:
        """Resume or load as configured; auto-resume takes the newest valid checkpoint."""
        if self._has_loaded or not (self._resume and self._load_from is None):
            return super().load_or_resume()
        path = latest_valid_checkpoint(self.work_dir)
        if path is None:
            self.logger.info(f"auto-resume: no valid checkpoint in {self.work_dir}; from scratch")
            return None
        self.logger.info(f"auto-resume from {path}")
        self.resume(str(path))
        self._has_loaded = True
        return None
