"""An example srzoo plugin package: one registered backbone, no edit to srzoo."""

from srzoo_example_plugin.nearest_net import NearestConvNet

__all__ = ["NearestConvNet"]
