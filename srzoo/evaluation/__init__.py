"""Evaluation: PSNR/SSIM/MAE, NIQE and LPIPS, mmengine metrics, and benchmark tables.

Importing this package registers the metrics (``SRMetrics``, ``NIQE``, ``LPIPS``) in
``METRICS``.
"""

from srzoo.evaluation import functional, tables
from srzoo.evaluation.functional import mae, psnr, rgb2ycbcr_y, ssim
from srzoo.evaluation.metrics import SRMetrics
from srzoo.evaluation.niqe import niqe
from srzoo.evaluation.perceptual_metrics import LPIPS, NIQE
from srzoo.evaluation.tables import bicubic_baseline, compare_tables, write_tables

__all__ = [
    "LPIPS",
    "NIQE",
    "SRMetrics",
    "bicubic_baseline",
    "compare_tables",
    "functional",
    "mae",
    "niqe",
    "psnr",
    "rgb2ycbcr_y",
    "ssim",
    "tables",
    "write_tables",
]
