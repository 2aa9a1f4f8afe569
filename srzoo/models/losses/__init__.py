"""srzoo losses: pixel, VGG19 perceptual/style and adversarial. Importing registers them."""

from srzoo.models.losses.gan import GANLoss
from srzoo.models.losses.perceptual import PerceptualLoss
from srzoo.models.losses.pixel import CharbonnierLoss, L1Loss, MSELoss
from srzoo.models.losses.vgg import VGG19_LAYER_NAMES, VGG19FeatureExtractor

__all__ = [
    "CharbonnierLoss",
    "GANLoss",
    "L1Loss",
    "MSELoss",
    "PerceptualLoss",
    "VGG19_LAYER_NAMES",
    "VGG19FeatureExtractor",
]
