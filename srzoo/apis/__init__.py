"""What people do with a trained generator: upscale images, convert and export checkpoints.

* :class:`Upscaler` and :func:`tiled_forward`: tiled, seamless super-resolution;
* :func:`load_generator`, :func:`to_basicsr`, :func:`detect_layout`, :func:`infer_arch`,
  :func:`interpolate_state_dicts`: every common checkpoint layout, in BasicSR keys;
* :func:`export_safetensors`, :func:`export_onnx`, :func:`export_pth`: export (ONNX needs
  ``pip install srzoo[onnx]``, imported only when used).
"""

from srzoo.apis.convert import (
    detect_layout,
    infer_arch,
    interpolate_state_dicts,
    load_generator,
    load_generator_and_arch,
    to_basicsr,
)
from srzoo.apis.export import (
    arch_from_metadata,
    export_checkpoint,
    export_onnx,
    export_pth,
    export_safetensors,
)
from srzoo.apis.inference import Upscaler
from srzoo.apis.tiling import tiled_forward

__all__ = [
    "Upscaler",
    "arch_from_metadata",
    "detect_layout",
    "export_checkpoint",
    "export_onnx",
    "export_pth",
    "export_safetensors",
    "infer_arch",
    "interpolate_state_dicts",
    "load_generator",
    "load_generator_and_arch",
    "tiled_forward",
    "to_basicsr",
]
