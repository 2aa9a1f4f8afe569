"""Evaluation: PSNR/SSIM/MAE on arrays, mmengine metrics, and benchmark tables.

Importing this package registers the metrics in ``METRICS``.
"""

from srzoo.evaluation import functional, tables
from srzoo.evaluation.functional import mae, psnr, rgb2ycbcr_y, ssim
from srzoo.evaluation.metrics import LPIPS, SRMetrics
from srzoo.evaluation.tables import bicubic_baseline, compare_tables, write_tables

__all__ = [
    "LPIPS",
    "SRMetrics",
    "bicubic_baseline",
    "compare_tables",
    "functional",
    "mae",
    "psnr",
    "rgb2ycbcr_y",
    "ssim",
    "tables",
    "write_tables",
]
