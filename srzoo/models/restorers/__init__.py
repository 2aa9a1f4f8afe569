"""Restorers: PSNR-oriented SRModel, SRGAN and ESRGAN, and the data preprocessor."""

from srzoo.models.restorers.data_preprocessor import SRDataPreprocessor
from srzoo.models.restorers.esrgan import ESRGAN
from srzoo.models.restorers.sr_model import SRModel
from srzoo.models.restorers.srgan import SRGAN

__all__ = ["SRDataPreprocessor", "SRModel", "SRGAN", "ESRGAN"]
