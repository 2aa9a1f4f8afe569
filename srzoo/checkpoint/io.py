"""srzoo's one checkpoint I/O module: safe loading, atomic saving, validation.

Every srzoo code path that reads a checkpoint goes through :func:`load_checkpoint_file`:

* ``.safetensors`` files are read with safetensors (no pickle at all);
* anything else is read with ``torch.load(..., weights_only=True)``, with only the few
  extra types that srzoo's own (mmengine Runner) checkpoints need allow-listed: mmengine's
  ``HistoryBuffer`` (message hub), numpy arrays, scalars and dtypes (numpy RNG state).

A pickle that asks for any other global, such as ``os.system`` in a ``__reduce__``, is
refused with :class:`UnsafeCheckpointError` before anything runs. Writes go through
:func:`save_checkpoint_atomic` and :func:`write_text_atomic` (temp file, fsync,
``os.replace``), so a crash during a save never leaves a truncated file behind.
"""

import contextlib
import os
import pickle
import pickletools
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any, BinaryIO, Callable, Dict, Iterator, List, Optional, Union

import numpy as np
import torch

from srzoo.errors import CorruptCheckpointError, UnsafeCheckpointError

PathLike = Union[str, os.PathLike]
METADATA_KEY = "__metadata__"
_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read once: files written here get the usual 0o666 & ~umask mode
# Substrings of torch's weights-only unpickler errors that mean "a global was refused".
_REFUSAL_MARKERS = (
    "Unsupported global",
    "unrecognized function",
    "Can only build",
    "blocked",
    "refused",
)
_PY2_NAMES = {
    "__builtin__.getattr": "builtins.getattr",
    "copy_reg._reconstructor": "copyreg._reconstructor",
}


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` restricted to ``HistoryBuffer``'s statistics methods.

    mmengine pickles ``HistoryBuffer._statistics_methods`` as ``getattr(HistoryBuffer, name)``;
    this stand-in for ``builtins.getattr`` serves exactly those look-ups and nothing else.
    """
    from mmengine.logging import HistoryBuffer

    if obj is HistoryBuffer and isinstance(name, str) and not name.startswith("_"):
        value = getattr(HistoryBuffer, name)
        if callable(value):
            return value
    raise pickle.UnpicklingError(f"refused getattr({obj!r}, {name!r}) while unpickling")


def safe_globals() -> List[Any]:
    """The globals srzoo allows ``torch.load(weights_only=True)`` to build, beyond torch's own.

    Returns:
        Entries for ``torch.serialization.safe_globals``: classes/functions, or
        ``(object, "module.name")`` pairs for names saved by other numpy versions.
    """
    from mmengine.logging import HistoryBuffer

    multiarray = np._core.multiarray if hasattr(np, "_core") else np.core.multiarray
    entries: List[Any] = [HistoryBuffer, np.ndarray, np.dtype]
    entries.append((_history_buffer_getattr, "builtins.getattr"))
    for module in ("numpy.core.multiarray", "numpy._core.multiarray"):
        entries.append((multiarray._reconstruct, f"{module}._reconstruct"))
        entries.append((multiarray.scalar, f"{module}.scalar"))
    numeric = (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16)
    numeric += (np.uint32, np.uint64, np.float16, np.float32, np.float64, np.complex64)
    entries.extend(type(np.dtype(t)) for t in numeric + (np.complex128,))
    return entries


@contextlib.contextmanager
def _allow_srzoo_globals() -> Iterator[None]:
    with torch.serialization.safe_globals(safe_globals()):
        yield


def _allowed_names() -> set:
    """Full names of every global the weights-only unpickler accepts here (torch's + srzoo's)."""
    names = set()
    for entry in safe_globals():
        names.add(
            entry[1] if isinstance(entry, tuple) else f"{entry.__module__}.{entry.__qualname__}"
        )
    with contextlib.suppress(Exception):  # private torch API: only used to word the error
        from torch._weights_only_unpickler import _get_allowed_globals

        names.update(_get_allowed_globals())
    return names


def _pickle_globals(data: bytes) -> List[str]:
    """Globals named by the pickles at the start of ``data``, found without unpickling."""
    found: List[str] = []
    strings: List[str] = []
    pos = 0
    while pos < len(data):
        try:
            for op, arg, offset in pickletools.genops(data[pos:]):
                if op.name in ("GLOBAL", "INST"):
                    found.append(str(arg).replace(" ", "."))
                elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                    found.append(".".join(strings[-2:]))
                elif isinstance(arg, str):
                    strings.append(arg)
                if op.name == "STOP":
                    pos += offset + 1
                    break
            else:
                break
        except Exception:  # raw tensor bytes follow the pickles in legacy files
            break
    return [_PY2_NAMES.get(name, name) for name in found]


def _offending_globals(path: Path) -> List[str]:
    """The globals of ``path`` that neither torch nor srzoo allows (best effort)."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                member = next(n for n in archive.namelist() if n.endswith("data.pkl"))
                data = archive.read(member)
        else:
            data = path.read_bytes()
    except Exception:
        return []
    allowed = _allowed_names()
    return sorted({name for name in _pickle_globals(data) if name not in allowed})


def _torch_reason(message: str) -> str:
    """The useful part of torch's long weights-only error message."""
    tail = message.split("WeightsUnpickler error:")[-1]
    return " ".join(tail.split("Check the documentation")[0].split()) or message


def _is_safetensors(path: Path) -> bool:
    """True for a ``.safetensors`` name or a file whose header looks like one."""
    if path.suffix == ".safetensors":
        return True
    with open(path, "rb") as f:
        head = f.read(9)
    return len(head) == 9 and head[8:9] == b"{" and int.from_bytes(head[:8], "little") < 1 << 28


def _load_safetensors(path: Path) -> Dict[str, Any]:
    from safetensors import safe_open

    try:
        out: Dict[str, Any] = {}
        with safe_open(str(path), framework="pt", device="cpu") as f:
            for key in f.keys():
                out[key] = f.get_tensor(key)
            metadata = f.metadata()
    except Exception as err:
        raise CorruptCheckpointError(
            f"{path}: corrupt or truncated safetensors file ({err})"
        ) from err
    if metadata:
        out[METADATA_KEY] = dict(metadata)
    return out


def load_checkpoint_file(path: PathLike) -> Dict[str, Any]:
    """Load a checkpoint without running any code from it.

    Args:
        path: A ``.safetensors`` file, or a ``torch.save`` file (``.pth``, ``.pt``, ...).

    Returns:
        The loaded object (normally a dict), on CPU. For safetensors, a dict of tensors
        plus the header metadata, if any, under ``"__metadata__"``.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        UnsafeCheckpointError: the pickle needs a global outside the allow-list
            (the error names the file and the global); nothing from it was run.
        CorruptCheckpointError: the file is truncated, corrupt or not a checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    if _is_safetensors(path):
        return _load_safetensors(path)
    kind = _not_a_checkpoint(path)
    if kind:
        raise CorruptCheckpointError(
            f"{path}: not a checkpoint, it is {kind} (a checkpoint is a torch.save .pth/.pt "
            "file or a .safetensors file)"
        )
    try:
        with _allow_srzoo_globals(), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Detected pickle protocol")
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        reason = _torch_reason(str(err))
        bad = _offending_globals(path)
        if bad or any(marker in reason for marker in _REFUSAL_MARKERS):
            raise UnsafeCheckpointError(
                f"{path}: refusing to load, the pickle needs {', '.join(bad) or reason}, which "
                "srzoo does not allow-list (it could run code). Nothing from the file was run; "
                "load only files you trust, or ask their author for a .safetensors version."
            ) from None
        raise CorruptCheckpointError(f"{path}: corrupt checkpoint ({reason})") from err
    except (RuntimeError, EOFError, ValueError, OSError, zipfile.BadZipFile) as err:
        reason = str(err) or type(err).__name__
        raise CorruptCheckpointError(f"{path}: corrupt or truncated checkpoint ({reason})") from err


# File signatures of what people pass by mistake where a checkpoint belongs.
_SIGNATURES = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x08\x01\x12", "an ONNX model"),
)


def _not_a_checkpoint(path: Path) -> Optional[str]:
    """What ``path`` is when its first bytes show it is no checkpoint (an image, an ONNX
    model, text such as a config), else None: zip and pickle files go to ``torch.load``."""
    with open(path, "rb") as f:
        head = f.read(512)
    if head.startswith((b"PK\x03\x04", b"\x80")):  # torch.save zip, or a bare pickle
        return None
    for magic, kind in _SIGNATURES:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "a WebP image"
    try:  # a cut multi-byte character at the end of the 512 bytes is no reason to refuse
        text = head[: len(head) - 3 if len(head) == 512 else None].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text and all(c.isprintable() or c.isspace() for c in text):
        return f"a text file (it starts with {text[:40]!r})"
    return None


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable; a no-op where directories cannot be opened (Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_payload(obj: Any, file: Any, path: Path) -> None:
    """Serialise ``obj`` into the open binary ``file``: safetensors by suffix, else torch."""
    if path.suffix == ".safetensors":
        from safetensors.torch import save

        tensors = {k: v.contiguous() for k, v in obj.items() if k != METADATA_KEY}
        metadata = obj.get(METADATA_KEY)
        file.write(save(tensors, metadata={str(k): str(v) for k, v in (metadata or {}).items()}))
    else:
        torch.save(obj, file)


def _write_atomic(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Run ``write`` on a temporary file beside ``path``, fsync it, rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(tmp_name, 0o666 & ~_UMASK)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(path.parent)


def save_checkpoint_atomic(obj: Any, path: PathLike) -> None:
    """Save ``obj`` so that ``path`` is either the old file or the complete new one.

    The data go to a temporary file in the same folder, which is flushed and fsynced, then
    renamed over ``path`` with ``os.replace``; the folder is fsynced after. On any error
    the temporary file is removed and ``path`` is left untouched.

    Args:
        obj: What to save. For a ``.safetensors`` path, a dict of tensors with optional
            string metadata under ``"__metadata__"``; otherwise anything ``torch.save`` takes.
        path: Destination file; its folder is created if missing.
    """
    path = Path(path)
    _write_atomic(path, lambda file: _write_payload(obj, file, path))


def write_text_atomic(text: str, path: PathLike) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically, like :func:`save_checkpoint_atomic`."""
    _write_atomic(Path(path), lambda file: file.write(text.encode("utf-8")))


def validate_checkpoint(path: PathLike) -> bool:
    """Whether ``path`` loads safely and completely.

    Args:
        path: Checkpoint file.

    Returns:
        True if :func:`load_checkpoint_file` succeeds; False if the file is missing,
        corrupt, truncated or refused as unsafe.
    """
    try:
        load_checkpoint_file(path)
    except (FileNotFoundError, CorruptCheckpointError, UnsafeCheckpointError):
        return False
    return True
