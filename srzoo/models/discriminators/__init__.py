"""srzoo discriminators. Importing this package registers them in ``DISCRIMINATORS``."""

from srzoo.models.discriminators.unet_sn import UNetDiscriminatorSN
from srzoo.models.discriminators.vgg_discriminator import SRGANDiscriminator, VGGStyleDiscriminator

__all__ = ["SRGANDiscriminator", "UNetDiscriminatorSN", "VGGStyleDiscriminator"]
