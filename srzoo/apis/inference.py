"""``Upscaler``: super-resolve numpy images and image files with any srzoo generator.

Handles 8- and 16-bit images, grayscale (kept grayscale) and alpha (upscaled separately),
and runs large images through :func:`srzoo.apis.tiling.tiled_forward`.
"""

import os
from pathlib import Path
from typing import Any, Optional, Union

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from srzoo.apis.convert import load_generator
from srzoo.apis.tiling import Progress, tiled_forward
from srzoo.arch import PaddedGenerator, SRArch
from srzoo.datasets.image_io import decode_image, read_file_bytes
from srzoo.errors import UsageError
from srzoo.utils.names import precision_dtype

_MAXVAL = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}


def resolve_dtype(dtype: Union[str, torch.dtype], device: torch.device) -> torch.dtype:
    """``"fp32"`` / ``"bf16"`` / ``"fp16"`` or a torch dtype -> torch dtype, checked for the device.

    Raises:
        ValueError: For an unknown name, or fp16 on a non-CUDA device.
    """
    dtype = precision_dtype(dtype)
    if dtype == torch.float16 and device.type != "cuda":
        raise UsageError(f"fp16 inference needs a CUDA device, got {device}; use bf16 or fp32")
    return dtype


def generator_from_config(config: Union[str, os.PathLike]) -> dict:
    """The generator dict (``model.generator``) of a training config file."""
    from mmengine.config import Config

    model = Config.fromfile(str(config)).model
    generator = model.get("generator", model)
    if "type" not in generator:
        raise UsageError(f"{config}: model.generator has no 'type'")
    return dict(generator)


class Upscaler:
    """Super-resolve images with a generator such as ESRGAN's RRDBNet (Wang et al., 2018).

    Args:
        model: The generator; maps (N, 3, H, W) in [0, 1] to (N, 3, sH, sW).
        tile: Core tile size in LR pixels; 0 processes whole images. Default: 0.
        tile_overlap: Context around each tile in LR pixels. Default: 32.
        device: Where the model runs. Default: ``"cpu"``.
        dtype: ``torch.float32``/``bfloat16``/``float16`` or ``"fp32"``/``"bf16"``/``"fp16"``
            (fp16 on CUDA only). Default: ``torch.float32``.
        alpha_mode: How an alpha channel is upscaled: ``"model"`` (through the network as a
            grey image) or ``"bicubic"``. A fully opaque alpha is just filled. Default: "model".

    Attributes:
        scale: The upscale factor: the contract's (:class:`srzoo.arch.SRArch`), or for
            another module a probe run's.
        align: The input multiple of the contract at that scale (1 for other modules);
            inputs are padded to it and tiles aligned to it.
    """

    def __init__(
        self,
        model: nn.Module,
        *,
        tile: int = 0,
        tile_overlap: int = 32,
        device: Union[str, torch.device] = "cpu",
        dtype: Union[str, torch.dtype] = torch.float32,
        alpha_mode: str = "model",
    ) -> None:
        if alpha_mode not in ("model", "bicubic"):
            raise UsageError(f"alpha_mode must be 'model' or 'bicubic', got {alpha_mode!r}")
        if tile < 0 or tile_overlap < 0:
            raise UsageError(f"tile and tile_overlap must be >= 0, got {tile}, {tile_overlap}")
        self.device = torch.device(device)
        self.dtype = resolve_dtype(dtype, self.device)
        self.model = model.eval().to(device=self.device, dtype=self.dtype)
        self.tile, self.tile_overlap, self.alpha_mode = tile, tile_overlap, alpha_mode
        self.scale, self.align = self._contract(self.model)
        # any input size: pad to the contract's multiple, run, crop (the same as ONNX does)
        self._net = PaddedGenerator(self.model) if self.align > 1 else self.model

    @classmethod
    def from_checkpoint(
        cls,
        path: Union[str, os.PathLike],
        *,
        config: Optional[Union[str, os.PathLike]] = None,
        **kwargs: Any,
    ) -> "Upscaler":
        """Build from a checkpoint in any layout srzoo reads, plus optionally its config.

        Args:
            path: The checkpoint (srzoo, BasicSR, MMagic, ESRGAN, safetensors ...).
            config: A training config whose ``model.generator`` names the architecture;
                without it, the checkpoint's metadata or its weights decide. Default: None.
            **kwargs: Passed to :class:`Upscaler` (``tile``, ``device``, ``dtype`` ...).
        """
        arch = generator_from_config(config) if config is not None else None
        return cls(load_generator(path, arch=arch), **kwargs)

    def _contract(self, model: nn.Module) -> tuple[int, int]:
        """(scale, input multiple) from the contract; a probe run for another module."""
        if isinstance(model, SRArch):
            return model.scale, model.input_multiple(model.scale)
        probe = torch.zeros(1, 3, 8, 8, device=self.device, dtype=self.dtype)
        with torch.no_grad():
            return int(model(probe).shape[-1] // 8), 1

    def _run(self, rgb: np.ndarray, progress: Optional[Progress]) -> np.ndarray:
        """(H, W, 3) float32 in [0, 1] -> (sH, sW, 3) float32 in [0, 1]."""
        x = torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1)))[None]
        out = tiled_forward(
            self._net,
            x,
            scale=self.scale,
            tile=self.tile,
            overlap=self.tile_overlap,
            device=self.device,
            dtype=self.dtype,
            progress=progress,
            align=self.align,
        )
        return out[0].clamp_(0, 1).permute(1, 2, 0).numpy()

    def _run_grey(self, grey: np.ndarray, progress: Optional[Progress]) -> np.ndarray:
        """(H, W) float32 -> (sH, sW): replicated to RGB for the model, averaged back."""
        return self._run(np.repeat(grey[..., None], 3, axis=2), progress).mean(axis=2)

    def _upscale_alpha(self, alpha: np.ndarray) -> np.ndarray:
        """(H, W) float32 alpha in [0, 1] -> (sH, sW)."""
        h, w = alpha.shape
        if alpha.min() == alpha.max():
            return np.full((h * self.scale, w * self.scale), alpha.flat[0], np.float32)
        if self.alpha_mode == "model":
            return self._run_grey(alpha, None)
        x = torch.from_numpy(np.ascontiguousarray(alpha))[None, None]
        out = F.interpolate(x, scale_factor=self.scale, mode="bicubic", align_corners=False)
        return out[0, 0].clamp_(0, 1).numpy()

    def upscale(self, img: np.ndarray, progress: Optional[Progress] = None) -> np.ndarray:
        """Super-resolve one image.

        Args:
            img: (H, W) grayscale, or (H, W, C) with C = 1 (grey), 2 (grey + alpha),
                3 (RGB) or 4 (RGBA); uint8 or uint16.
            progress: Called as ``progress(done, total)`` per tile. Default: None.

        Returns:
            (sH, sW) or (sH, sW, C): same dtype, channel count and order as ``img``.

        Raises:
            TypeError: For a non-array.
            UsageError: For an unsupported dtype or shape (a ``ValueError``).
        """
        if not isinstance(img, np.ndarray):
            raise TypeError(f"expected a uint8 or uint16 numpy image, got {type(img).__name__}")
        if img.dtype not in _MAXVAL:
            raise UsageError(f"expected a uint8 or uint16 image, got {img.dtype}")
        if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] not in (1, 2, 3, 4)):
            raise UsageError(f"expected an (H, W) or (H, W, 1-4) image, got shape {img.shape}")
        maxval = _MAXVAL[img.dtype]
        x = img.astype(np.float32) / maxval
        if x.ndim == 2:
            out = self._run_grey(x, progress)
        else:
            if x.shape[2] >= 3:
                planes = list(np.moveaxis(self._run(x[..., :3], progress), 2, 0))
            else:
                planes = [self._run_grey(x[..., 0], progress)]
            if x.shape[2] in (2, 4):
                planes.append(self._upscale_alpha(x[..., -1]))
            out = np.stack(planes, axis=2)
        return np.clip(np.rint(out * maxval), 0, maxval).astype(img.dtype)

    def upscale_file(
        self, src: Union[str, os.PathLike], dst: Union[str, os.PathLike]
    ) -> np.ndarray:
        """Read ``src`` with OpenCV (any bit depth and channels), upscale, write ``dst``.

        Colour order (OpenCV's BGR(A) vs the model's RGB(A)), grayscale, alpha and 16-bit
        depth are handled; the output format follows ``dst``'s extension.

        Returns:
            The upscaled image as written, in OpenCV's channel order.

        Raises:
            ImageReadError: ``src`` is missing, empty, corrupt or not an image.
            OSError: ``dst`` could not be written.
        """
        img = decode_image(read_file_bytes(str(src)), cv2.IMREAD_UNCHANGED, str(src))
        channels = img.shape[2] if img.ndim == 3 else 1
        if channels in (3, 4):
            img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB if channels == 3 else cv2.COLOR_BGRA2RGBA)
        out = self.upscale(img)
        if channels in (3, 4):
            out = cv2.cvtColor(out, cv2.COLOR_RGB2BGR if channels == 3 else cv2.COLOR_RGBA2BGRA)
        dst = Path(dst)
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            ok, buf = cv2.imencode(dst.suffix or ".png", out)
        except cv2.error as err:
            raise OSError(f"could not encode {dst}: {err}") from err
        if not ok:
            raise OSError(f"could not encode {dst} as {dst.suffix!r} ({out.dtype}, {out.shape})")
        buf.tofile(str(dst))
        return out
