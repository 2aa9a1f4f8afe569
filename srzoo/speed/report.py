"""``srzoo speed``'s driver: set up, run the training and inference timings, write
the Markdown table (and a JSON copy). See docs/benchmarks.md for how to read it."""

import copy
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from srzoo.apis.tiling import default_tile
from srzoo.arch import SRArch
from srzoo.engine.launch import load_config
from srzoo.models.losses.vgg import resolve_vgg19_weights
from srzoo.registry import BACKBONES
from srzoo.speed.common import (
    load_average,
    machine_description,
    markdown_table,
    parse_variants,
)
from srzoo.speed.degradation import (
    DEGRADATION_HEADERS,
    degradation_row,
    degrading_preprocessor,
    measure_degradation,
    packed_gt_batches,
)
from srzoo.speed.infer import measure_inference
from srzoo.speed.train import loader_batches, measure_training, synthetic_batches
from srzoo.utils.names import resolve_device

TRAIN_HEADERS = ["variant", "data ms", "G step ms", "D step ms", "other ms", "iteration ms"]
TRAIN_HEADERS += ["it/s", "data %"]
INFER_HEADERS = ["variant", "ms", "ms / MP", "first call s", "peak MiB", "PSNR vs first dB"]
OVERHEAD_HEADERS = ["variant", "srzoo train_step ms", "bare loop ms", "srzoo / bare"]
OVERHEAD_HEADERS += ["speed-up vs first"]


@dataclass
class SpeedOptions:
    """Settings of one benchmark run (the options of ``srzoo speed``)."""

    target: str
    out: str = "work_dirs/speed/speed.md"
    iters: int = 5
    warmup: int = 1
    batch_size: Optional[int] = None
    gt_size: Optional[int] = None
    train_variants: str = "fp32,bf16,fp32+cl,bf16+cl"
    infer_variants: str = "fp32,bf16,fp32+cl,bf16+cl,fp32+compile,fp32+tile"
    infer_size: int = 128
    tile: Optional[int] = None
    tile_overlap: int = 32
    repeats: int = 3
    threads: Optional[int] = None
    device: Optional[str] = None
    compile_backend: str = "inductor"
    isolate: bool = True
    train: bool = True
    infer: bool = True
    cfg_options: Optional[dict] = None


def _generator_config(name: str) -> Config:
    """A PSNR-oriented (L1) training config around a registered generator type."""
    return Config(
        dict(
            model=dict(type="SRModel", generator=dict(type=name), pixel_loss=dict(type="L1Loss")),
            optim_wrapper=dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-4)),
        )
    )


def prepare_config(opts: SpeedOptions) -> tuple[Config, list[str]]:
    """The config to time (file or generator name), with batch/patch overrides applied.

    Returns:
        tuple: (config, notes for the report).
    """

    notes = []
    if Path(opts.target).is_file():
        cfg = load_config(opts.target, opts.cfg_options, work_dir="work_dirs/speed")
    else:
        cfg = _generator_config(opts.target)
        notes.append(f"`{opts.target}` with the default arguments, L1 loss, Adam")
    cfg.model.pop("pretrained", None)
    percep = cfg.model.get("perceptual_loss")
    if percep and percep.get("pretrained", "torchvision") is not None:
        try:
            resolve_vgg19_weights(percep.get("pretrained", "torchvision"))
        except FileNotFoundError:
            percep["pretrained"] = None
            notes.append("VGG19 weights not found: random VGG19 (same cost)")
    loader = cfg.get("train_dataloader")
    if loader is not None and opts.batch_size:
        loader.batch_size = opts.batch_size
    if opts.gt_size:
        for step in (loader or {}).get("dataset", {}).get("pipeline", []):
            if step.get("type") == "PairedRandomCrop":
                step["gt_patch_size"] = opts.gt_size
        if "input_size" in cfg.model.get("discriminator", {}):
            cfg.model.discriminator.input_size = opts.gt_size
    return cfg, notes


def _contract(cfg: Config) -> tuple[int, int, int]:
    """(scale, input multiple, body stride) of the config's generator, as ``Upscaler`` reads
    them (1, 1 for a module without the contract)."""
    generator = BACKBONES.build(copy.deepcopy(cfg.model.generator))
    if not isinstance(generator, SRArch):
        return int(cfg.get("scale", 4)), 1, 1
    scale = generator.scale
    return scale, generator.input_multiple(scale), generator.body_stride(scale)


def _gt_size(cfg: Config, opts: SpeedOptions) -> int:
    if opts.gt_size:
        return opts.gt_size
    pre = cfg.model.get("data_preprocessor") or {}
    if "gt_size" in (pre.get("degradation") or {}):  # Real-ESRGAN: the crop after degrading
        return int(pre["degradation"]["gt_size"])
    for step in cfg.get("train_dataloader", {}).get("dataset", {}).get("pipeline", []):
        if step.get("type") == "PairedRandomCrop":
            return int(step["gt_patch_size"])
    return 128


def _batches(cfg: Config, opts: SpeedOptions, scale: int, notes: list):
    loader = cfg.get("train_dataloader")
    root = (loader or {}).get("dataset", {}).get("data_root")
    if loader is not None and root and Path(root).is_dir():
        notes.append(f"data: `{root}` through the config's loader")
        return loader_batches(loader), loader.batch_size
    batch = opts.batch_size or (loader.batch_size if loader is not None else 4)
    notes.append(f"data: synthetic ({root or 'no data set'} not found); data time is ~0")
    if degrading_preprocessor(cfg) is not None:  # GT patches + kernels, degraded in train_step
        return packed_gt_batches(cfg, batch), batch
    return synthetic_batches(batch, _gt_size(cfg, opts), scale), batch


def _train_rows(cfg, opts, device, scale, notes) -> list[dict]:

    init_default_scope("srzoo")
    batches, batch = _batches(cfg, opts, scale, notes)
    notes.append(f"training: batch {batch}, GT patch {_gt_size(cfg, opts)}")
    if opts.compile_backend != "inductor":
        notes.append(f"compile backend: {opts.compile_backend}")
    rows = []
    for variant in parse_variants(opts.train_variants):
        if variant.compile:
            cfg = copy.deepcopy(cfg)
            cfg.model["compile"] = dict(backend=opts.compile_backend)
        kwargs = dict(iters=opts.iters, warmup=opts.warmup, device=device)
        rows.append(measure_training(cfg, variant, batches, **kwargs))
    return rows


def _infer_rows(cfg, opts, device, contract, tile, threads) -> list[dict]:
    scale, align, stride = contract
    base = dict(
        generator=dict(cfg.model.generator),
        scale=scale,
        align=align,
        body_stride=stride,
        size=opts.infer_size,
        tile=tile,
        overlap=opts.tile_overlap,
        repeats=opts.repeats,
        threads=threads,
        device=str(device),
        compile_options=dict(backend=opts.compile_backend),
    )
    specs = [dict(base, variant=v.name) for v in parse_variants(opts.infer_variants)]
    return measure_inference(specs, isolate=opts.isolate)


def _summary(train: list[dict], infer: list[dict]) -> list[str]:
    lines = []
    by_name = {r["variant"]: r for r in train}
    if train and train[0].get("ratio"):
        lines.append(f"framework overhead ({train[0]['variant']}): {train[0]['ratio']:.3f}x")
    if "fp32" in by_name and "bf16+cl" in by_name:
        speedup = by_name["fp32"]["srzoo_ms"] / by_name["bf16+cl"]["srzoo_ms"]
        lines.append(f"bf16+cl training-step speed-up over fp32: {speedup:.2f}x")
    if train:
        worst = max(r["data_ms"] / r["iter_ms"] for r in train if r["iter_ms"])
        lines.append(f"data time: at most {100 * worst:.1f}% of the iteration")
    infer_by = {r["variant"]: r for r in infer}
    for name in infer_by:
        base = "+".join(t for t in name.split("+") if not t.startswith("tile"))
        if base != name and base in infer_by:
            ratio = infer_by[name]["ms"] / infer_by[base]["ms"]
            lines.append(f"{name} / {base} (untiled) inference time: {ratio:.2f}x")
    return lines


def render(meta: dict, train: list[dict], infer: list[dict]) -> str:
    """The Markdown report: machine, settings, the three tables and the key ratios."""
    out = [f"# Speed benchmark: `{meta['target']}`", ""]
    out += [f"- {k}: {v}" for k, v in meta["machine"].items()]
    out += [f"- {note}" for note in meta["notes"]]
    out += [f"- load average before / after: {meta['load_before']} / {meta['load_after']}", ""]
    if train:
        out += ["## Training iteration (medians)", ""]
        rows = [
            [r["variant"], r["data_ms"], r["g_ms"], r["d_ms"], r["other_ms"], r["iter_ms"]]
            + [1000.0 / r["iter_ms"], 100.0 * r["data_ms"] / r["iter_ms"]]
            for r in train
        ]
        out += [markdown_table(TRAIN_HEADERS, rows), ""]
    if infer:
        out += [f"## Inference ({meta['infer']})", ""]
        rows = [
            [r["variant"], r["ms"], r["ms_per_mp"], r["first_s"], r["peak_mib"]]
            + [r["psnr_vs_first"] if math.isfinite(r["psnr_vs_first"]) else "identical"]
            for r in infer
        ]
        out += [markdown_table(INFER_HEADERS, rows), ""]
    if meta.get("degradation"):
        out += ["## Degradation on the device (RealESRGANPreprocessor, fp32, no grad)", ""]
        out += [markdown_table(DEGRADATION_HEADERS, [degradation_row(meta["degradation"])]), ""]
    if train:
        out += ["## Framework overhead (same batch, no loader)", ""]
        first = train[0]["srzoo_ms"]
        rows = [
            [r["variant"], r["srzoo_ms"], r["bare_ms"], r["ratio"], first / r["srzoo_ms"]]
            for r in train
        ]
        out += [markdown_table(OVERHEAD_HEADERS, rows), ""]
    lines = _summary(train, infer)
    if meta.get("degradation") and train:
        done = meta["degradation"]
        lines.append(
            f"degradation: {done['images_per_s']:.1f} images/s, {done['ms']:.0f} ms of the "
            f"{train[0]['iter_ms']:.0f} ms {train[0]['variant']} iteration (batch {done['batch']})"
        )
    out += ["## Summary", ""] + [f"- {line}" for line in lines]
    return "\n".join(out) + "\n"


def run_speed_benchmark(opts: SpeedOptions) -> Path:
    """Run the benchmark described by ``opts``; write ``opts.out`` (+ ``.json``)."""
    if opts.threads:
        torch.set_num_threads(opts.threads)
    device = resolve_device(opts.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    cfg, notes = prepare_config(opts)
    contract = _contract(cfg)  # builds the generator: once
    scale, align, stride = contract
    tile = opts.tile or default_tile(stride, align, device)  # srzoo upscale's default
    meta = dict(target=opts.target, machine=machine_description(device), notes=notes)
    meta["load_before"] = load_average()
    train = _train_rows(cfg, opts, device, scale, notes) if opts.train else []
    if opts.train:
        batch = opts.batch_size or cfg.get("train_dataloader", {}).get("batch_size", 12)
        timing = dict(batch_size=batch, iters=opts.iters, warmup=opts.warmup)
        meta["degradation"] = measure_degradation(cfg, device, **timing)
    meta["infer"] = (
        f"LR {opts.infer_size}x{opts.infer_size} -> x{scale}, tile {tile} + overlap "
        f"{opts.tile_overlap} body px, median of {opts.repeats}"
    )
    threads = torch.get_num_threads()
    infer = _infer_rows(cfg, opts, device, contract, tile, threads) if opts.infer else []
    meta["load_after"] = load_average()
    path = Path(opts.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(meta, train, infer))
    data = dict(meta=meta, train=train, infer=infer)
    path.with_suffix(".json").write_text(json.dumps(data, indent=1, default=str))
    return path
