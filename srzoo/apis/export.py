"""Export a generator from any supported checkpoint layout: BasicSR ``.pth``, safetensors, ONNX.

* ``.pth``: ``{"params": state_dict}`` in BasicSR keys, which BasicSR and Real-ESRGAN load.
* safetensors: the same keys, plus metadata naming the architecture, its constructor
  arguments (JSON), the scale and the srzoo version, so that :func:`srzoo.apis.load_generator`
  (and chaiNNer / spandrel) rebuild it from the file alone. :func:`generator_metadata`
  writes it and :func:`arch_from_metadata` reads it back.
* ONNX (opset 17) with dynamic height and width, checked against PyTorch with onnxruntime
  on random inputs of two sizes before the file is kept.
"""

import os
import tempfile
import warnings
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import nn

from srzoo.apis.convert import load_generator_and_arch
from srzoo.apis.metadata import generator_metadata
from srzoo.arch import PaddedGenerator, SRArch
from srzoo.checkpoint import METADATA_KEY, save_checkpoint_atomic
from srzoo.checkpoint.weights import Source, read_source
from srzoo.errors import MissingDependencyError, UsageError, WeightsError

PathLike = Union[str, os.PathLike]
FORMATS = ("pth", "safetensors", "onnx")
ONNX_HINT = "ONNX export needs the optional packages onnx and onnxruntime: pip install srzoo[onnx]"


def export_pth(source: Source, out: PathLike, *, arch: Optional[Mapping[str, Any]] = None) -> Path:
    """Write the generator as a BasicSR-layout ``{"params": state_dict}`` ``.pth`` file."""
    model, _ = load_generator_and_arch(source, arch=arch)
    save_checkpoint_atomic({"params": model.state_dict()}, out)
    return Path(out)


def export_safetensors(
    source: Source,
    out: PathLike,
    *,
    arch: Optional[Mapping[str, Any]] = None,
    config_text: Optional[str] = None,
) -> Path:
    """Write the generator as safetensors (BasicSR keys) with architecture metadata.

    Args:
        source: Checkpoint path or loaded checkpoint, in any layout srzoo reads.
        out: Destination ``.safetensors`` file.
        arch: Backbone config overriding the inferred one. Default: None.
        config_text: Training config text stored as ``config`` metadata. Default: None
            (the ``meta["cfg"]`` an srzoo checkpoint carries, if any).

    Returns:
        ``out`` as a Path.
    """
    out = Path(out)
    if out.suffix != ".safetensors":
        raise UsageError(f"safetensors output must end in .safetensors, got {out}")
    obj, name = read_source(source)
    meta = obj.get("meta") if isinstance(obj, Mapping) else None
    if config_text is None and isinstance(meta, Mapping) and isinstance(meta.get("cfg"), str):
        config_text = meta["cfg"]  # the training config an srzoo checkpoint carries
    try:
        model, cfg = load_generator_and_arch(obj, arch=arch)
    except WeightsError as err:
        raise WeightsError(str(err).replace("the given state dict", name, 1)) from err
    tensors: Dict[str, Any] = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    written = model.arch_config if isinstance(model, SRArch) else cfg  # exact constructor args
    tensors[METADATA_KEY] = generator_metadata(written, config_text, type(model).__module__)
    save_checkpoint_atomic(tensors, out)
    return out


class ClampedOutput(nn.Module):
    """``model``'s output clamped to [0, 1]: the exported graph's value range."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) -> the model's output, clamped to [0, 1]."""
        return self.model(x).clamp(0.0, 1.0)


def _import_onnx() -> Tuple[Any, Any]:
    try:
        import onnx
        import onnxruntime
    except ImportError as err:
        raise MissingDependencyError(ONNX_HINT) from err
    return onnx, onnxruntime


def verify_onnx(
    model: nn.Module, path: PathLike, sizes: Sequence[Tuple[int, int]], atol: float = 1e-4
) -> float:
    """Compare an ONNX file with the PyTorch model on random inputs of each size.

    Returns:
        The largest absolute difference seen.

    Raises:
        RuntimeError: If a difference exceeds ``atol`` or the shapes differ.
    """
    onnx, ort = _import_onnx()
    onnx.checker.check_model(str(path))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    worst = 0.0
    generator = torch.Generator().manual_seed(0)
    for h, w in sizes:
        x = torch.rand(1, 3, h, w, generator=generator)
        with torch.no_grad():
            expected = model(x).numpy()
        got = session.run(None, {name: x.numpy()})[0]
        if got.shape != expected.shape:
            raise RuntimeError(
                f"ONNX output shape {got.shape} != PyTorch {expected.shape} at {h}x{w}"
            )
        worst = max(worst, float(np.abs(got - expected).max()))
        if worst > atol:
            raise RuntimeError(
                f"ONNX output differs from PyTorch by {worst:.3g} > {atol} at {h}x{w}"
            )
    return worst


def _trace_to_onnx(model: nn.Module, path: str, opset: int) -> None:
    """Trace ``model`` at 32x32 into ``path`` with dynamic batch, height and width."""
    dynamic = {"input": {0: "batch", 2: "height", 3: "width"}}
    dynamic["output"] = {0: "batch", 2: "out_height", 3: "out_width"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer chatter about shape-dependent branches
        torch.onnx.export(
            model,
            (torch.rand(1, 3, 32, 32),),
            path,
            dynamo=False,
            opset_version=opset,
            input_names=["input"],
            output_names=["output"],
            dynamic_axes=dynamic,
        )


def export_onnx(
    source: Source,
    out: PathLike,
    *,
    arch: Optional[Mapping[str, Any]] = None,
    opset: int = 17,
    sizes: Sequence[Tuple[int, int]] = ((32, 32), (27, 45)),
    atol: float = 1e-4,
) -> Path:
    """Export the generator to ONNX with dynamic height and width, verified by onnxruntime.

    The graph maps ``input`` (N, 3, H, W) float32 in [0, 1] to ``output`` (N, 3, sH, sW),
    clamped to [0, 1] inside the graph (as ``srzoo upscale`` clamps), so a consumer can
    multiply by 255 and cast without its own clamp.
    It is traced at 32x32 (TorchScript exporter), then checked against PyTorch on random
    inputs of each of ``sizes``; the file is only kept if every max abs diff <= ``atol``.

    Args:
        source: Checkpoint path or loaded checkpoint, in any layout srzoo reads.
        out: Destination ``.onnx`` file.
        arch: Backbone config overriding the inferred one. Default: None.
        opset: ONNX opset (17 or newer). Default: 17.
        sizes: (H, W) of the verification inputs. Default: ((32, 32), (27, 45)).
        atol: Largest allowed abs difference. Default: 1e-4.

    Raises:
        ImportError: onnx / onnxruntime missing (``pip install srzoo[onnx]``).
        RuntimeError: The exported graph does not match PyTorch.
    """
    _import_onnx()
    model, _ = load_generator_and_arch(source, arch=arch)
    if isinstance(model, SRArch) and model.input_multiple(model.scale) > 1:
        model = PaddedGenerator(model).eval()  # pad-then-crop traced into the graph
    model = ClampedOutput(model).eval()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    try:
        _trace_to_onnx(model, tmp, opset)
        verify_onnx(model, tmp, sizes, atol)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


def export_checkpoint(
    source: Source,
    out: PathLike,
    *,
    fmt: str,
    arch: Optional[Mapping[str, Any]] = None,
    **kwargs: Any,
) -> Path:
    """Export to ``fmt`` (``"pth"``, ``"safetensors"`` or ``"onnx"``); kwargs go to the exporter."""
    exporters = {"pth": export_pth, "safetensors": export_safetensors, "onnx": export_onnx}
    if fmt not in exporters:
        raise UsageError(f"format must be one of {FORMATS}, got {fmt!r}")
    return exporters[fmt](source, out, arch=arch, **kwargs)
