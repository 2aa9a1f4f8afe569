"""Config keys checked against the constructors they go to, before anything is built.

A misspelled key such as ``model.generator.num_blcoks`` would otherwise surface as
``RRDBNet.__init__() got an unexpected keyword argument`` wrapped in two layers of
mmengine build messages, or, for a misspelled restorer ``type``, as mmengine's plain
"not in the registry". :func:`check_config` walks the built parts of a config (model,
data sets and their pipelines, samplers, hooks) and raises one error that names the key
by its full path and the closest valid names.
"""

from typing import Any, Iterable, Optional, Sequence, Tuple

from mmengine.registry import Registry

from srzoo import registry as r
from srzoo.errors import UsageError
from srzoo.utils.registry_hint import UnknownTypeError, check_keys, unknown_type_message


def _lookup(registries: Iterable[Registry], name: str) -> Tuple[Optional[Registry], Any]:
    """The first of ``registries`` that knows ``name``, and the class; else (None, None)."""
    for registry in registries:
        registry.import_from_location()
        found = registry.get(name)
        if found is not None:
            return registry, found
    return None, None


def check_part(cfg: Any, path: str, registry: Registry, nested: Sequence[Registry]) -> None:
    """Check the config ``cfg`` of one built part, found in ``registry``, and its sub-parts.

    An unknown ``type`` raises ``KeyError`` with the names nearest to it in ``registry``.
    Sub-configs (dicts with a ``type``, also inside lists) are looked up in ``nested``;
    those found nowhere are left to their own build, which names them.
    """
    if not isinstance(cfg, dict) or not isinstance(cfg.get("type"), str):
        return
    _, obj = _lookup([registry], cfg["type"])
    if obj is None:
        raise UnknownTypeError(f"{path}.type: {unknown_type_message(registry, cfg['type'])}")
    check_keys(obj, cfg, path)
    for key, value in cfg.items():
        items = enumerate(value) if isinstance(value, (list, tuple)) else [(None, value)]
        for index, item in items:
            if isinstance(item, dict) and isinstance(item.get("type"), str):
                sub, _ = _lookup(nested, item["type"])
                where = f"{path}.{key}" if index is None else f"{path}.{key}[{index}]"
                if sub is not None:
                    check_part(item, where, sub, nested)


def check_config(cfg: Any) -> None:
    """Check the model, data sets, samplers, loops, optimizers, schedulers and hooks of a config.

    Raises:
        ConfigKeyError: a key the configured class does not take (full path, nearest names).
        KeyError: an unregistered ``type`` of a top-level part (nearest names).
        UsageError: a loader's ``batch_size`` or ``num_workers`` that is no such integer.
    """
    model_parts = [r.RESTORERS, r.BACKBONES, r.DISCRIMINATORS, r.LOSSES]
    data_parts = [r.DATASETS, r.TRANSFORMS, r.DATA_SAMPLERS]
    check_part(cfg.get("model"), "model", r.RESTORERS, model_parts)
    for loader in ("train_dataloader", "val_dataloader", "test_dataloader"):
        section = cfg.get(loader) or {}
        check_part(section.get("dataset"), f"{loader}.dataset", r.DATASETS, data_parts)
        check_part(section.get("sampler"), f"{loader}.sampler", r.DATA_SAMPLERS, data_parts)
        for key, least in (("batch_size", 1), ("num_workers", 0)):
            value = section.get(key)
            if value is not None and (type(value) is not int or value < least):
                raise UsageError(f"{loader}.{key}: an integer >= {least}, got {value!r}")
    for loop in ("train_cfg", "val_cfg", "test_cfg"):
        check_part(cfg.get(loop), loop, r.LOOPS, [r.LOOPS])
    _check_optimizers(cfg.get("optim_wrapper"))
    schedulers, sched_registry = cfg.get("param_scheduler"), r.MMENGINE_CHILDREN["PARAM_SCHEDULERS"]
    if isinstance(schedulers, dict):
        check_part(schedulers, "param_scheduler", sched_registry, [sched_registry])
    for index, scheduler in enumerate(schedulers if isinstance(schedulers, list) else []):
        check_part(scheduler, f"param_scheduler[{index}]", sched_registry, [sched_registry])
    for index, hook in enumerate(cfg.get("custom_hooks") or []):
        check_part(hook, f"custom_hooks[{index}]", r.HOOKS, [r.HOOKS])
    for name, hook in (cfg.get("default_hooks") or {}).items():
        check_part(hook, f"default_hooks.{name}", r.HOOKS, [r.HOOKS])


def _check_optimizers(optim_wrapper: Any) -> None:
    """The ``optimizer`` of one wrapper, or of each part's wrapper (``generator=dict(...)``)."""
    if not isinstance(optim_wrapper, dict):
        return
    optimizers = r.MMENGINE_CHILDREN["OPTIMIZERS"]
    if isinstance(optim_wrapper.get("optimizer"), dict):
        check_part(optim_wrapper["optimizer"], "optim_wrapper.optimizer", optimizers, [])
        return
    for part, wrapper in optim_wrapper.items():
        if isinstance(wrapper, dict) and isinstance(wrapper.get("optimizer"), dict):
            where = f"optim_wrapper.{part}.optimizer"
            check_part(wrapper["optimizer"], where, optimizers, [])
