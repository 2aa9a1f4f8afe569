"""``srzoo pd CONFIG PSNR_CKPT GAN_CKPT``: the perception-distortion table and plot
(``tools/perception_distortion.py``).

Evaluates ESRGAN network interpolation ``(1 - alpha) * PSNR + alpha * GAN`` for each
``--alphas`` value on the config's test sets (PSNR/SSIM, NIQE, LPIPS, with the bicubic
reference) and writes ``perception_distortion.{md,csv,json,png}`` into the work dir::

    srzoo pd configs/demo/esrgan_rrdbnet-s_1xb4-300_demo_x4.py psnr.pth esrgan.pth \\
        --alphas 0,0.2,0.4,0.6,0.8,1 --work-dir work_dirs/demo/perception_distortion
"""

import argparse

from srzoo.cli.parsers import cfg_options
from srzoo.engine.launch import load_config, setup_launcher
from srzoo.evaluation.perception_distortion import parse_alphas, run_perception_distortion
from srzoo.plugins import ensure_plugins


def run(args: argparse.Namespace) -> int:
    """Evaluate the blends, write the tables and the PNG, print their paths."""
    alphas = parse_alphas(args.alphas)
    ensure_plugins()
    cfg = load_config(args.config, cfg_options(args.cfg_options), args.work_dir, args.scale)
    setup_launcher(cfg, args.launcher)
    paths = run_perception_distortion(
        cfg,
        args.psnr,
        args.gan,
        alphas,
        alexnet_weights=args.alexnet_weights,
        lin_weights=args.lin_weights,
    )
    for kind, path in paths.items():
        print(f"wrote {path}" if kind != "png" else f"perception-distortion plot: {path}")
    return 0
