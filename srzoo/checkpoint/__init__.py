"""Layer 2: safe, atomic checkpoint I/O, container layouts, and the one weight loader.

* :mod:`~srzoo.checkpoint.io`: :func:`load_checkpoint_file` (``weights_only``, an
  allow-list, safetensors), :func:`save_checkpoint_atomic`, :func:`write_text_atomic`;
* :mod:`~srzoo.checkpoint.layouts`: where srzoo, MMagic and BasicSR files keep a part's
  state dict; ESRGAN network interpolation;
* :mod:`~srzoo.checkpoint.weights`: :func:`load_weights`, used by every path that fills a
  module from a file.
"""

from srzoo.checkpoint.io import (
    METADATA_KEY,
    load_checkpoint_file,
    save_checkpoint_atomic,
    validate_checkpoint,
    write_text_atomic,
)
from srzoo.checkpoint.layouts import detect_layout, extract_state_dict, interpolate_state_dicts
from srzoo.checkpoint.weights import load_weights, resolve_checkpoint
from srzoo.errors import CorruptCheckpointError, UnsafeCheckpointError

__all__ = [
    "METADATA_KEY",
    "CorruptCheckpointError",
    "UnsafeCheckpointError",
    "detect_layout",
    "extract_state_dict",
    "interpolate_state_dicts",
    "load_checkpoint_file",
    "load_weights",
    "resolve_checkpoint",
    "save_checkpoint_atomic",
    "validate_checkpoint",
    "write_text_atomic",
]
