"""``Upscaler``: super-resolve numpy images and image files with any srzoo generator.

Handles 8- and 16-bit images, grayscale (kept grayscale) and alpha (upscaled separately),
generators with 3 or 1 image channels, and runs large images through
:func:`srzoo.apis.tiling.tiled_forward`. Files are written through
:mod:`srzoo.apis.image_formats`, which fits each image to what its format can hold.
"""

import os
import warnings
from pathlib import Path
from typing import Any, Optional, Tuple, Union

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from srzoo.apis.convert import load_generator
from srzoo.apis.image_formats import encode_image, fit_to_format
from srzoo.apis.tiling import MIN_OVERLAP, Progress, default_tile, tiled_forward
from srzoo.arch import PaddedGenerator, SRArch
from srzoo.datasets.image_io import decode_image, read_file_bytes
from srzoo.errors import UsageError
from srzoo.utils.names import precision_dtype, resolve_device

_MAXVAL = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}
# Full-range BT.601 (JPEG / JFIF) luma weights and chroma scales, for 1-channel generators.
_KR, _KG, _KB = 0.299, 0.587, 0.114
_CB, _CR = 2 * (1 - _KB), 2 * (1 - _KR)
_CHANNELS = ((3, 3), (1, 1))


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

    The generator takes 3 channels (RGB) or 1 channel (grey) and returns as many. A
    1-channel generator upscales a grey image directly; for a colour image it upscales the
    luma (full-range BT.601 Y, as ``cv2.COLOR_RGB2GRAY``) while the chroma (Cb, Cr) is
    upscaled by bicubic interpolation, and the result is converted back to RGB. A 3-channel
    generator gets a grey image copied into three channels, averaged back.

    Args:
        model: The generator; maps (N, C, H, W) in [0, 1] to (N, C, sH, sW), C = 3 or 1.
        tile: Core tile size in LR pixels; 0 processes whole images. Default: None,
            :func:`~srzoo.apis.tiling.default_tile`: 512 body pixels on the CPU (512 LR
            pixels for a x4 RRDBNet, 1024 for a pixel-unshuffle x2 one), 1024 on a GPU, so
            an image up to 4 MP out of a x4 model (16 MP on a GPU) runs in one pass and
            device memory stays bounded for any larger one.
        tile_overlap: Context around each tile, in the network body's pixels: LR pixels
            times the contract's body stride (4 for a pixel-unshuffle x1 RRDBNet, 1 for
            SwinIR).
            Values below :data:`~srzoo.apis.tiling.MIN_OVERLAP` (16) warn. Default: 32.
        device: Where the model runs. Default: ``"cpu"``.
        dtype: ``torch.float32``/``bfloat16``/``float16`` or ``"fp32"``/``"bf16"``/``"fp16"``
            (fp16 on CUDA only). Default: ``torch.float32``.
        alpha_mode: How an alpha channel is upscaled: ``"bicubic"`` (keeps a clean alpha
            clean: opaque stays opaque, transparent stays transparent, edges smooth) or
            ``"model"`` (through the network as a grey image; a network trained on photos
            smears a binary mask). A fully opaque alpha is just filled. Default: "bicubic".

    Attributes:
        scale: The upscale factor: the contract's (:class:`srzoo.arch.SRArch`), or for
            another module a probe run's.
        align: The input multiple of the contract at that scale (1 for other modules);
            inputs are padded to it and tiles aligned to it.
        channels: The generator's image channels, 3 or 1 (the contract's ``in_channels``).
        tile: The core tile size in LR pixels (the default resolved); 0: whole images.

    Raises:
        UsageError: bad options, or a generator that is neither 3 -> 3 nor 1 -> 1 channels.
    """

    def __init__(
        self,
        model: nn.Module,
        *,
        tile: Optional[int] = None,
        tile_overlap: int = 32,
        device: Union[str, torch.device] = "cpu",
        dtype: Union[str, torch.dtype] = torch.float32,
        alpha_mode: str = "bicubic",
    ) -> None:
        if alpha_mode not in ("model", "bicubic"):
            raise UsageError(f"alpha_mode must be 'model' or 'bicubic', got {alpha_mode!r}")
        if (tile is not None and tile < 0) or tile_overlap < 0:
            raise UsageError(f"tile and tile_overlap must be >= 0, got {tile}, {tile_overlap}")
        if tile != 0 and tile_overlap < MIN_OVERLAP:
            warnings.warn(
                f"tile_overlap {tile_overlap} is below {MIN_OVERLAP}: seams may show between tiles",
                UserWarning,
                stacklevel=2,
            )
        self.device = resolve_device(device)
        self.dtype = resolve_dtype(dtype, self.device)
        self.model = model.eval().to(device=self.device, dtype=self.dtype)
        self.tile_overlap, self.alpha_mode = tile_overlap, alpha_mode
        self.scale, self.align, self.body_stride, self.channels = self._contract(self.model)
        if tile is None:
            tile = default_tile(self.body_stride, self.align, self.device)
        self.tile = tile
        computed = ((tile + 2 * tile_overlap * self.body_stride) / tile) ** 2 if tile else 1
        if computed > 4:  # pixels a window computes per pixel it keeps
            warnings.warn(
                f"tile {tile} with {tile_overlap} pixels of context: each window computes "
                f"{computed:.0f}x the pixels it keeps; a larger tile is faster",
                UserWarning,
                stacklevel=2,
            )
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

    def _contract(self, model: nn.Module) -> Tuple[int, int, int, int]:
        """(scale, input multiple, body stride, channels) from the contract; probe runs for
        another module.

        Raises:
            UsageError: channels other than 3 -> 3 or 1 -> 1.
        """
        name = type(model).__name__
        if isinstance(model, SRArch):
            c_in = int(model.arch_args.get("in_channels", 3))
            c_out = int(model.arch_args.get("out_channels", c_in))
            scale, align = model.scale, model.input_multiple(model.scale)
            stride = model.body_stride(scale)
        else:
            scale, c_in, c_out, align, stride = *self._probe(model), 1, 1
        if (c_in, c_out) not in _CHANNELS:
            raise UsageError(
                f"{name} takes {c_in} and returns {c_out} image channels; srzoo upscales with "
                "generators of 3 (RGB) or 1 (grey) channels in and out"
            )
        return scale, align, stride, c_in

    def _probe(self, model: nn.Module) -> Tuple[int, int, int]:
        """(scale, in channels, out channels) of a module without the contract: 8x8 runs."""
        for c_in in (3, 1):
            probe = torch.zeros(1, c_in, 8, 8, device=self.device, dtype=self.dtype)
            try:
                with torch.no_grad():
                    out = model(probe)
            except RuntimeError:
                continue
            return int(out.shape[-1] // 8), c_in, int(out.shape[1])
        raise UsageError(f"{type(model).__name__} runs on neither a 3- nor a 1-channel image")

    def _run(self, planes: np.ndarray, progress: Optional[Progress]) -> np.ndarray:
        """(H, W, C) float32 in [0, 1], C = the model's channels -> (sH, sW, C) in [0, 1]."""
        x = torch.from_numpy(np.ascontiguousarray(planes.transpose(2, 0, 1)))[None]
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
            body_stride=self.body_stride,
        )
        return out[0].clamp_(0, 1).permute(1, 2, 0).numpy()

    def _run_grey(self, grey: np.ndarray, progress: Optional[Progress]) -> np.ndarray:
        """(H, W) float32 -> (sH, sW): as is for a 1-channel model, else via RGB and back."""
        if self.channels == 1:
            return self._run(grey[..., None], progress)[..., 0]
        return self._run(np.repeat(grey[..., None], 3, axis=2), progress).mean(axis=2)

    def _run_rgb(self, rgb: np.ndarray, progress: Optional[Progress]) -> np.ndarray:
        """(H, W, 3) float32 -> (sH, sW, 3): the model, or for a 1-channel model its luma
        with bicubic chroma (full-range BT.601 YCbCr)."""
        if self.channels == 3:
            return self._run(rgb, progress)
        r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
        y = _KR * r + _KG * g + _KB * b
        cb, cr = self._bicubic((b - y) / _CB), self._bicubic((r - y) / _CR)
        y = self._run_grey(y, progress)
        r, b = y + _CR * cr, y + _CB * cb
        g = (y - _KR * r - _KB * b) / _KG
        return np.clip(np.stack([r, g, b], axis=2), 0, 1)

    def _bicubic(self, plane: np.ndarray) -> np.ndarray:
        """(H, W) float32 -> (sH, sW) by bicubic interpolation (unclipped)."""
        x = torch.from_numpy(np.ascontiguousarray(plane, dtype=np.float32))[None, None]
        out = F.interpolate(x, scale_factor=self.scale, mode="bicubic", align_corners=False)
        return out[0, 0].numpy()

    def _upscale_alpha(self, alpha: np.ndarray) -> np.ndarray:
        """(H, W) float32 alpha in [0, 1] -> (sH, sW)."""
        h, w = alpha.shape
        if alpha.min() == alpha.max():
            return np.full((h * self.scale, w * self.scale), alpha.flat[0], np.float32)
        if self.alpha_mode == "model":
            return self._run_grey(alpha, None)
        out = self._bicubic(alpha)
        if np.isin(alpha, (0.0, 1.0)).all():
            # A binary mask: bicubic spreads each one-pixel step over about two LR pixels;
            # a ramp twice as steep about 0.5 keeps it one LR pixel wide, still smooth.
            out = (out - 0.5) * 2.0 + 0.5
        return np.clip(out, 0, 1)

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
                planes = list(np.moveaxis(self._run_rgb(x[..., :3], progress), 2, 0))
            else:
                planes = [self._run_grey(x[..., 0], progress)]
            if x.shape[2] in (2, 4):
                planes.append(self._upscale_alpha(x[..., -1]))
            out = np.stack(planes, axis=2)
        return np.clip(np.rint(out * maxval), 0, maxval).astype(img.dtype)

    def upscale_file(
        self,
        src: Union[str, os.PathLike],
        dst: Union[str, os.PathLike],
        progress: Optional[Progress] = None,
    ) -> np.ndarray:
        """Read ``src`` with OpenCV (any bit depth and channels), upscale, write ``dst``.

        Colour order (OpenCV's BGR(A) vs the model's RGB(A)), grayscale, alpha and 16-bit
        depth are handled. The output format follows ``dst``'s extension and the image is
        fitted to it by :func:`srzoo.apis.image_formats.fit_to_format`: 16-bit into an
        8-bit-only format is rescaled by ``round(v / 257)``; transparency into a format
        without alpha raises (an opaque alpha is dropped).

        Args:
            src: The image file to read.
            dst: The file to write; its extension picks the format.
            progress: Called as ``progress(done, total)`` per tile. Default: None.

        Returns:
            The image as written, in OpenCV's channel order.

        Raises:
            ImageReadError: ``src`` is missing, empty, corrupt or not an image.
            UsageError: ``dst``'s format is unknown or cannot hold the image (checked
                before the model runs when it can be).
            OSError: ``dst`` could not be encoded or written.
        """
        img = decode_image(read_file_bytes(str(src)), cv2.IMREAD_UNCHANGED, str(src))
        fit_to_format(img, dst)  # what the format cannot hold fails before the model runs
        channels = img.shape[2] if img.ndim == 3 else 1
        if channels in (3, 4):
            img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB if channels == 3 else cv2.COLOR_BGRA2RGBA)
        out = self.upscale(img, progress)
        if channels in (3, 4):
            out = cv2.cvtColor(out, cv2.COLOR_RGB2BGR if channels == 3 else cv2.COLOR_RGBA2BGRA)
        buf, written = encode_image(out, dst)
        dst = Path(dst)
        dst.parent.mkdir(parents=True, exist_ok=True)
        buf.tofile(str(dst))
        return written
