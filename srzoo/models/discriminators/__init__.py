"""srzoo discriminators. Importing this package registers them in ``DISCRIMINATORS``."""

from srzoo.models.discriminators.vgg_discriminator import SRGANDiscriminator, VGGStyleDiscriminator

__all__ = ["SRGANDiscriminator", "VGGStyleDiscriminator"]
