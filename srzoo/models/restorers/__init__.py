"""Restorers: PSNR-oriented SRModel, SRGAN, ESRGAN, Real-ESRNet / Real-ESRGAN, and the data
preprocessors (``RealESRGANPreprocessor`` degrades training batches on the device)."""

from srzoo.models.restorers.data_preprocessor import SRDataPreprocessor
from srzoo.models.restorers.esrgan import ESRGAN
from srzoo.models.restorers.realesrgan import RealESRGAN, RealESRNet
from srzoo.models.restorers.realesrgan_preprocessor import RealESRGANPreprocessor
from srzoo.models.restorers.sr_model import SRModel
from srzoo.models.restorers.srgan import SRGAN

__all__ = [
    "SRDataPreprocessor",
    "RealESRGANPreprocessor",
    "SRModel",
    "SRGAN",
    "ESRGAN",
    "RealESRNet",
    "RealESRGAN",
]
