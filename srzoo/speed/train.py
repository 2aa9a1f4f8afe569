"""Training speed for ``srzoo speed``: srzoo's ``train_step`` and a bare loop.

Two measurements per variant (fp32, bf16+cl, ...):

1. the training iteration with the config's data loader: time blocked on the loader, the
   G step, the D step and the rest (log values, guards), from timers put around each
   optimizer wrapper's ``backward`` and ``step``;
2. framework overhead: the same batch, already on the device, through srzoo's
   ``train_step`` and through :class:`BareLoop` (the same modules, losses and optimizer
   type written as a plain PyTorch loop), interleaved so that drifts hit both alike.
"""

import copy
from contextlib import nullcontext
from typing import Callable, Iterator, Optional

import torch
from mmengine.optim import OptimWrapper, build_optim_wrapper
from torch import nn

from srzoo.engine.launch import apply_amp
from srzoo.models.restorers.sr_model import gt_batch
from srzoo.models.restorers.srgan import sum_losses
from srzoo.registry import RESTORERS
from srzoo.speed.common import Variant, median_ms, now
from srzoo.utils.wrappers import unwrap


def build_trainee(cfg, variant: Variant, device: torch.device) -> tuple[nn.Module, dict]:
    """The restorer of ``cfg.model`` with ``variant``'s options, and its optimizer wrappers.

    Returns:
        tuple: (restorer on ``device``, ``{part name: OptimWrapper}``).
    """
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.update(channels_last=variant.channels_last, compile=variant.compile)
    torch.manual_seed(0)
    model = RESTORERS.build(model_cfg).to(device).train()
    optim_cfg = copy.deepcopy(cfg.optim_wrapper)
    if variant.dtype:
        from mmengine.config import Config

        holder = Config(dict(optim_wrapper=optim_cfg))
        apply_amp(holder, "bf16" if variant.dtype == "bfloat16" else "fp16")
        optim_cfg = holder.optim_wrapper
    wrappers = build_optim_wrapper(model, optim_cfg)
    parts = dict(wrappers.items()) if hasattr(wrappers, "items") else {"generator": wrappers}
    return model, dict(wrappers=wrappers, parts=parts)


class PartTimer:
    """Times each wrapper's ``backward`` and ``step`` to split an iteration into G and D.

    G's share runs from the start of ``train_step`` to the end of G's backward, plus G's
    optimizer step; D's from there to the end of D's backward, plus D's step; the rest
    (log values, guards) is ``other``.
    """

    def __init__(self, parts: dict, device: torch.device) -> None:
        self.device = device
        self.events: list[tuple[str, str, float, float]] = []
        for name, wrapper in parts.items():
            for method in ("backward", "step"):
                self._wrap(wrapper, name, method)

    def _wrap(self, wrapper: OptimWrapper, name: str, method: str) -> None:
        original = getattr(wrapper, method)

        def timed(*args, **kwargs):
            start = now(self.device)
            result = original(*args, **kwargs)
            self.events.append((name, method, start, now(self.device)))
            return result

        setattr(wrapper, method, timed)

    def split(self, start: float, end: float) -> dict:
        """Seconds of ``g``, ``d`` and ``other`` in the ``train_step`` run from start to end."""
        ends = {(n, m): t1 for n, m, _, t1 in self.events if m == "backward"}
        steps = {n: 0.0 for n in ("generator", "discriminator")}
        for name, method, t0, t1 in self.events:
            if method == "step":
                steps[name] = steps.get(name, 0.0) + t1 - t0
        g_mark = ends.get(("generator", "backward"), start)
        d_mark = ends.get(("discriminator", "backward"), g_mark)
        g = g_mark - start + steps["generator"]
        d = d_mark - g_mark + steps["discriminator"]
        self.events.clear()
        return dict(g=g, d=d, other=max(0.0, end - start - g - d))


class BareLoop:
    """The restorer's networks and its own loss methods in a hand-written PyTorch loop.

    Only the plumbing that srzoo's ``train_step`` adds is replaced: optimizer wrappers,
    the non-finite guard, accumulation and logging. The losses are the restorer's
    (``generator_losses``, ``adversarial_g_loss``, ``adversarial_d_losses``), so the two
    loops cannot compute different things. G step (D frozen by ``requires_grad``), then
    D step on the detached fake; one ``GradScaler`` per optimizer for float16. The
    optimizers are new instances of the wrappers' optimizer types with the same settings.
    """

    def __init__(self, model: nn.Module, parts: dict, variant: Variant, device: torch.device):
        self.model = model
        self.g = unwrap(model.generator)
        disc = getattr(model, "discriminator", None)
        self.d = unwrap(disc) if disc is not None else None
        self.opts = {
            name: type(w.optimizer)(module.parameters(), **w.optimizer.defaults)
            for name, w, module in (
                ("generator", parts.get("generator"), self.g),
                ("discriminator", parts.get("discriminator"), self.d),
            )
            if w is not None and module is not None
        }
        fp16 = variant.dtype == "float16"
        self.scalers = {n: torch.amp.GradScaler(device.type) for n in self.opts} if fp16 else {}
        self.autocast: Callable = (
            (lambda: torch.autocast(device.type, variant.torch_dtype))
            if variant.dtype
            else nullcontext
        )

    def _update(self, name: str, loss: torch.Tensor) -> None:
        opt, scaler = self.opts[name], self.scalers.get(name)
        opt.zero_grad(set_to_none=True)
        if scaler is None:
            loss.backward()
            opt.step()
            return
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()

    def step(self, lq: torch.Tensor, gt: torch.Tensor, g_due: bool = True) -> None:
        """One iteration on the device batch ``lq`` (N, C, h, w), ``gt`` (N, C, H, W)."""
        if g_due:
            if self.d is not None:
                self.d.requires_grad_(False)
            with self.autocast():
                fake = self.g(lq)
                losses = self.model.generator_losses(fake, gt)
                if self.d is not None:
                    losses["loss_gan"] = self.model.adversarial_g_loss(self.d, fake, gt)
            if self.d is not None:
                self.d.requires_grad_(True)
            self._update("generator", sum_losses(losses)[0])
        else:
            with torch.no_grad(), self.autocast():
                fake = self.g(lq)
        if self.d is not None:
            with self.autocast():
                d_losses = self.model.adversarial_d_losses(self.d, fake.detach().to(gt), gt)
            self._update("discriminator", sum_losses(d_losses)[0])


def device_batch(model: nn.Module, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """The preprocessed (lq, gt) of a copy of ``batch``, as the restorer sees them."""
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    return data["inputs"], gt_batch(data["data_samples"])


def _g_due(model: nn.Module) -> bool:
    due = getattr(model, "generator_step_due", None)
    return True if due is None else due(model.step)


def time_iterations(
    model: nn.Module, bundle: dict, batches: Iterator[dict], *, iters: int, warmup: int, device
) -> dict:
    """Phase 1: ``warmup + iters`` loader-fed ``train_step`` calls; medians in ms."""
    timer = PartTimer(bundle["parts"], device)
    rows: dict[str, list[float]] = {k: [] for k in ("data", "g", "d", "other", "iter")}
    for i in range(warmup + iters):
        start = now(device)
        batch = next(batches)
        loaded = now(device)
        model.train_step(batch, bundle["wrappers"])
        end = now(device)
        split = timer.split(loaded, end)
        if i >= warmup:
            for key, value in dict(split, data=loaded - start, iter=end - start).items():
                rows[key].append(value)
    result = {f"{k}_ms": median_ms(v) for k, v in rows.items()}
    result["iter_ms_all"] = [round(1000 * t, 1) for t in rows["iter"]]  # JSON only
    return result


def time_overhead(
    model: nn.Module, bundle: dict, variant: Variant, batch: dict, *, iters: int, device
) -> dict:
    """Phase 2: the same batch through ``train_step`` and :class:`BareLoop`, interleaved."""
    bare = BareLoop(model, bundle["parts"], variant, device)
    lq, gt = device_batch(model, batch)
    srzoo_times, bare_times = [], []

    def run_srzoo() -> None:
        copied = copy.deepcopy(batch)
        start = now(device)
        model.train_step(copied, bundle["wrappers"])
        srzoo_times.append(now(device) - start)

    def run_bare() -> None:
        due = _g_due(model)
        start = now(device)
        bare.step(lq, gt, g_due=due)
        bare_times.append(now(device) - start)

    run_srzoo(), run_bare()  # warm-up of both paths
    srzoo_times.clear(), bare_times.clear()
    for i in range(iters):
        order = (run_srzoo, run_bare) if i % 2 == 0 else (run_bare, run_srzoo)
        for fn in order:
            fn()
    srzoo_ms, bare_ms = median_ms(srzoo_times), median_ms(bare_times)
    return dict(
        srzoo_ms=srzoo_ms,
        bare_ms=bare_ms,
        ratio=srzoo_ms / bare_ms if bare_ms else None,
        srzoo_ms_all=[round(1000 * t, 1) for t in srzoo_times],  # JSON only
        bare_ms_all=[round(1000 * t, 1) for t in bare_times],
    )


def measure_training(
    cfg, variant: Variant, batches: Iterator[dict], *, iters: int, warmup: int, device
) -> dict:
    """Both phases for one variant; the row of the training and overhead tables."""
    model, bundle = build_trainee(cfg, variant, device)
    result = dict(variant=variant.name)
    timing = dict(iters=iters, device=device)
    result.update(time_iterations(model, bundle, batches, warmup=warmup, **timing))
    result.update(time_overhead(model, bundle, variant, next(batches), **timing))
    return result


def synthetic_batches(batch_size: int, gt_size: int, scale: int, seed: int = 0) -> Iterator[dict]:
    """Endless packed batches of random images in [0, 255] (when there is no data set)."""
    from mmengine.structures import BaseDataElement

    gen = torch.Generator().manual_seed(seed)
    lq_size = gt_size // scale
    while True:
        samples = [
            BaseDataElement(gt_img=torch.rand(3, gt_size, gt_size, generator=gen) * 255)
            for _ in range(batch_size)
        ]
        inputs = [torch.rand(3, lq_size, lq_size, generator=gen) * 255 for _ in samples]
        yield dict(inputs=inputs, data_samples=samples)


def loader_batches(dataloader_cfg: dict) -> Optional[Iterator[dict]]:
    """Endless batches from the config's train loader (its workers and prefetch settings)."""
    from mmengine.runner import Runner

    loader = Runner.build_dataloader(copy.deepcopy(dataloader_cfg), seed=0)

    def forever() -> Iterator[dict]:
        while True:
            yield from loader

    return forever()
