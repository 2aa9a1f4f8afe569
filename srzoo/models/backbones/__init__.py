"""srzoo backbones (generators). Importing this package registers them in ``BACKBONES``."""

from srzoo.models.backbones.edsr import EDSR
from srzoo.models.backbones.rcan import RCAN
from srzoo.models.backbones.rrdbnet import RRDBNet
from srzoo.models.backbones.srresnet import MSRResNet, SRResNet
from srzoo.models.backbones.srvgg import SRVGGNetCompact
from srzoo.models.backbones.swinir import SwinIR

__all__ = ["EDSR", "MSRResNet", "RCAN", "RRDBNet", "SRResNet", "SRVGGNetCompact", "SwinIR"]
