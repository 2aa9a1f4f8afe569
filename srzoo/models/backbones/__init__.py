"""srzoo backbones."""
