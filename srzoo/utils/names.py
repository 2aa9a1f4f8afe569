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


def resolve_device(device: "str | torch.device") -> torch.device:
    """``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"`` ... -> a ``torch.device`` this torch can use.

    Args:
        device: A device name or a ``torch.device``.

    Returns:
        The device, with its backend checked to be built into torch and available.

    Raises:
        UsageError: a name torch does not know, or a backend that this torch build or this
            machine lacks (e.g. ``cuda`` with a CPU build), or a GPU index out of range.
    """
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise UsageError(f"unknown device {device!r}; use e.g. cpu, cuda, cuda:1") from None
    if dev.type == "cpu" or dev.type == "meta":
        return dev
    backend = getattr(torch, dev.type, None)
    if dev.type == "mps":
        available = torch.backends.mps.is_available()
    else:
        available = bool(backend and hasattr(backend, "is_available") and backend.is_available())
    if not available:
        build = f"torch {torch.__version__}"
        raise UsageError(f"device {str(dev)!r} is not available here ({build}); use --device cpu")
    count = backend.device_count() if hasattr(backend, "device_count") else None
    if dev.index is not None and count is not None and dev.index >= count:
        raise UsageError(f"device {str(dev)!r} does not exist: this machine has {count}")
    return dev
