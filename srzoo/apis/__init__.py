"""Layer 4: what people do with a trained generator: upscale images, convert and export.

* :class:`Upscaler` and :func:`tiled_forward`: tiled, seamless super-resolution;
* :func:`load_generator`, :func:`to_basicsr`, :func:`infer_arch`: any checkpoint layout,
  through each architecture's contract (:mod:`srzoo.arch`);
* :func:`export_safetensors`, :func:`export_onnx`, :func:`export_pth`: export (ONNX needs
  ``pip install srzoo[onnx]``, imported only when used).

The names are imported on first use, so ``import srzoo.apis.tiling`` stays a torch-only
import.
"""

import importlib
from typing import Any

_WHERE = {
    "Upscaler": "srzoo.apis.inference",
    "tiled_forward": "srzoo.apis.tiling",
    "infer_arch": "srzoo.apis.convert",
    "load_generator": "srzoo.apis.convert",
    "load_generator_and_arch": "srzoo.apis.convert",
    "to_basicsr": "srzoo.apis.convert",
    "arch_from_metadata": "srzoo.apis.metadata",
    "generator_metadata": "srzoo.apis.metadata",
    "export_checkpoint": "srzoo.apis.export",
    "export_onnx": "srzoo.apis.export",
    "export_pth": "srzoo.apis.export",
    "export_safetensors": "srzoo.apis.export",
    "detect_layout": "srzoo.apis.convert",
    "interpolate_state_dicts": "srzoo.checkpoint",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'srzoo.apis' has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)
