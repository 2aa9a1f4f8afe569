"""srzoo's one list of precision names and one list of image file extensions."""

import torch

from srzoo.errors import UsageError

#: Precision names of the command line and configs -> torch dtypes.
PRECISIONS = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
#: The reduced precisions that autocast (mixed-precision training) runs in.
AUTOCAST_PRECISIONS = ("bf16", "fp16")
#: Image file extensions srzoo reads (lower case).
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm")


def precision_dtype(name: "str | torch.dtype") -> torch.dtype:
    """``"fp32"`` / ``"bf16"`` / ``"fp16"`` (or torch's ``"bfloat16"`` / ``"float16"``, or a
    dtype) -> the torch dtype.

    Raises:
        UsageError: an unknown name (a ``ValueError``).
    """
    if isinstance(name, torch.dtype) and name in PRECISIONS.values():
        return name
    by_torch_name = {str(d).replace("torch.", ""): d for d in PRECISIONS.values()}
    dtype = PRECISIONS.get(name) or by_torch_name.get(name) if isinstance(name, str) else None
    if dtype is None:
        raise UsageError(f"dtype must be one of {sorted(PRECISIONS)}, got {name!r}")
    return dtype
