"""The ``srzoo`` argument parser: every sub-command's options, and nothing heavy.

This module imports only ``argparse``, so ``srzoo <command> --help`` answers at once;
each command's module (``srzoo.cli.<command>``) is imported when it runs.
"""

import argparse
from typing import Dict, List, Optional

PRECISION_NAMES = ("fp32", "bf16", "fp16")  # srzoo.utils.names.PRECISIONS, without torch
LAUNCHERS = ("none", "pytorch", "slurm")


def cfg_options(pairs: Optional[List[str]]) -> Optional[Dict]:
    """``--cfg-options key=value ...`` as mmengine's ``DictAction`` reads them, or None."""
    if not pairs:
        return None
    from mmengine.config import DictAction

    namespace = argparse.Namespace()
    DictAction(option_strings=[], dest="options")(None, namespace, pairs)
    options = namespace.options
    for pair in pairs:  # DictAction drops every space; a plain text value keeps its own
        key, _, value = pair.partition("=")
        text = value.strip()
        if " " in text and not text.startswith(("[", "(")):
            options[key] = text
    return options


def _add_config_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cfg-options", nargs="+", metavar="KEY=VALUE", help="config overrides")
    p.add_argument(
        "--scale", type=int, help="change every scale setting (generator, data, LQ folders)"
    )
    p.add_argument("--launcher", choices=LAUNCHERS, default="none")
    p.add_argument("--local-rank", "--local_rank", type=int, default=0)


def _add_train(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a restorer from a config")
    p.add_argument("config", help="config file, e.g. configs/esrgan_x4.py")
    p.add_argument("--work-dir", help="where logs and checkpoints go")
    p.add_argument(
        "--resume",
        nargs="?",
        const="auto",
        help="'auto' (newest valid checkpoint in the work dir) or a checkpoint path",
    )
    p.add_argument(
        "--amp",
        nargs="?",
        const="bf16",
        choices=("auto", *PRECISION_NAMES[1:]),
        help="mixed precision; auto: bf16 + channels_last where the device runs bf16 natively",
    )
    p.add_argument(
        "--check", action="store_true", help="only check that every prerequisite is in place"
    )
    p.add_argument("--tensorboard", action="store_true", help="also log to TensorBoard")
    _add_config_options(p)


def _add_test(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("test", help="accuracy tables of a checkpoint on a config's test sets")
    p.add_argument("config", nargs="?", help="config file")
    p.add_argument("checkpoint", nargs="?", help="checkpoint (srzoo, BasicSR, MMagic...)")
    p.add_argument("--work-dir", help="where the tables go (default work_dirs/<config>)")
    p.add_argument("--save-images", action="store_true", help="write the SR outputs")
    p.add_argument("--no-bicubic", action="store_true", help="skip the bicubic rows")
    p.add_argument("--datasets", nargs="+", metavar="NAME", help="only these test sets")
    p.add_argument("--compare", nargs="+", metavar="RUN", help="merge earlier runs' tables")
    p.add_argument("--out", default="work_dirs/compare", help="folder for --compare tables")
    _add_config_options(p)


def _add_speed(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("speed", help="training and inference speed of a config or generator")
    p.add_argument("target", help="a config file, or a registered generator name (RRDBNet)")
    p.add_argument("--out", default="work_dirs/speed/speed.md", help="Markdown output")
    p.add_argument("--tiny", action="store_true", help="a few seconds' smoke run")
    p.add_argument("--iters", type=int, help="timed training iterations per variant (5)")
    p.add_argument("--warmup", type=int, help="untimed iterations first (1)")
    p.add_argument("--batch-size", type=int, help="training batch (config's)")
    p.add_argument("--gt-size", type=int, help="GT patch side (config's)")
    p.add_argument("--train-variants", help="e.g. fp32,bf16,fp32+cl,bf16+cl")
    p.add_argument("--infer-variants", help="e.g. fp32,bf16+cl,fp32+compile,fp32+tile128")
    p.add_argument("--infer-size", type=int, help="LR side of the inference input (128)")
    p.add_argument("--tile", type=int, help="tile side in LR px (srzoo upscale's default)")
    p.add_argument("--tile-overlap", type=int, help="tile context in body px (32)")
    p.add_argument("--repeats", type=int, help="timed inference calls per variant (3)")
    p.add_argument("--threads", type=int, help="torch threads (torch's default)")
    p.add_argument("--device", help="cpu or cuda (cuda when available)")
    p.add_argument("--compile-backend", help="torch.compile backend (inductor)")
    p.add_argument(
        "--no-isolate",
        dest="isolate",
        action="store_false",
        default=None,
        help="time inference in this process (default: one process per variant)",
    )
    p.add_argument("--no-train", action="store_true", help="skip the training tables")
    p.add_argument("--no-infer", action="store_true", help="skip the inference table")
    p.add_argument("--cfg-options", nargs="+", metavar="KEY=VALUE", help="config overrides")


def _add_upscale(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("upscale", help="super-resolve images, folders or globs")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files, folders or globs")
    p.add_argument("-o", "--out", required=True, help="output folder (or file, for one input)")
    p.add_argument("--model", required=True, help="checkpoint in any supported layout")
    p.add_argument("--config", help="training config naming the generator")
    p.add_argument(
        "--tile",
        type=int,
        help="tile side in LR pixels, 0 = whole image (default: 512 on the CPU, 1024 on a "
        "GPU; twice that for pixel-unshuffle x2 models, 4x for x1)",
    )
    p.add_argument(
        "--tile-overlap",
        type=int,
        default=32,
        help="context around each tile in LR pixels (twice that for pixel-unshuffle x2 "
        "models, 4x for x1; default: 32)",
    )
    p.add_argument("--device", default="cpu", help="e.g. cpu, cuda, cuda:1")
    p.add_argument("--dtype", choices=PRECISION_NAMES, default="fp32", help="(default: fp32)")
    p.add_argument("--suffix", default="", help="appended to each output file name")
    p.add_argument("--ext", help="output format, e.g. png (default: the input's)")
    p.add_argument(
        "--alpha-mode",
        choices=("bicubic", "model"),
        default="bicubic",
        help="alpha upscaling; bicubic keeps a clean (e.g. 0/255) alpha clean",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_convert(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("convert", help="any layout -> BasicSR .pth or .safetensors")
    p.add_argument("checkpoint", help="checkpoint in any supported layout")
    p.add_argument("-o", "--out", required=True, help="output .pth or .safetensors")
    p.add_argument("--format", choices=("pth", "safetensors"), help="default: from --out")
    p.add_argument("--config", help="training config naming the generator")


def _add_export(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export to safetensors or ONNX")
    p.add_argument("checkpoint", help="checkpoint in any supported layout")
    p.add_argument("--format", choices=("safetensors", "onnx", "pth"), required=True)
    p.add_argument("-o", "--out", required=True, help="output file")
    p.add_argument("--config", help="training config naming the generator (stored as metadata)")
    p.add_argument("--opset", type=int, default=17, help="ONNX opset (>= 17)")


def _add_interpolate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("interpolate", help="ESRGAN network interpolation of two generators")
    p.add_argument("psnr", help="checkpoint at alpha = 0 (PSNR-oriented)")
    p.add_argument("gan", help="checkpoint at alpha = 1 (GAN)")
    p.add_argument("--alpha", type=float, required=True, help="(1 - alpha) * psnr + alpha * gan")
    p.add_argument("-o", "--out", required=True, help="output .pth or .safetensors")


def _add_pd(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pd", help="perception-distortion table and plot of network interpolation")
    p.add_argument("config", help="config naming the generator and the test sets")
    p.add_argument("psnr", help="checkpoint at alpha = 0 (PSNR-oriented)")
    p.add_argument("gan", help="checkpoint at alpha = 1 (GAN)")
    p.add_argument("--alphas", default="0,0.2,0.4,0.6,0.8,1", help="comma-separated blends")
    p.add_argument("--work-dir", help="where the table and PNG go (default work_dirs/<config>)")
    p.add_argument("--alexnet-weights", help="torchvision AlexNet file for LPIPS (hub cache)")
    p.add_argument("--lin-weights", help="LPIPS v0.1 linear layers (the lpips package's)")
    _add_config_options(p)


def _add_degradations(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("degradations", help="grid of GT | degraded LQ of a Real-ESRGAN config")
    p.add_argument("config", help="config whose model uses RealESRGANPreprocessor")
    p.add_argument("-o", "--out", help="PNG (default work_dirs/<config>/degradations.png)")
    p.add_argument("--num", type=int, default=4, help="samples (rows) to show")
    p.add_argument("--seed", type=int, help="sampler seed (default: randomness.seed)")
    _add_config_options(p)


def build_parser() -> argparse.ArgumentParser:
    """The ``srzoo`` argument parser with all its sub-commands."""
    parser = argparse.ArgumentParser(prog="srzoo", description="srzoo super-resolution tools")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (
        _add_train,
        _add_test,
        _add_speed,
        _add_upscale,
        _add_export,
        _add_convert,
        _add_interpolate,
        _add_pd,
        _add_degradations,
    ):
        add(sub)
    return parser
