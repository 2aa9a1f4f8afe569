"""srzoo backbones (generators). Importing this package registers them in ``BACKBONES``."""

from srzoo.models.backbones.rrdbnet import RRDBNet
from srzoo.models.backbones.srresnet import MSRResNet, SRResNet

__all__ = ["MSRResNet", "RRDBNet", "SRResNet"]
