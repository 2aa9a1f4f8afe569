"""Image loading transform: disk or LMDB bytes -> RGB HWC numpy array."""

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from srzoo.datasets.decoded import DECODE_FLAGS, check_lmdb_shape, image_ref, read_image_bytes
from srzoo.datasets.image_io import decode_image
from srzoo.errors import ImageReadError
from srzoo.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadImageFromFile(BaseTransform):
    """Load ``results[f'{key}_path']`` into ``results[key]``.

    The file is read as bytes and decoded with ``cv2.imdecode``, EXIF orientation ignored.
    When the dataset uses the LMDB backend it puts ``f'{key}_lmdb'`` (the ``.lmdb`` folder)
    and ``f'{key}_lmdb_key'`` in ``results`` and the bytes come from there instead; an
    LMDB image must decode to the size its ``meta_info.txt`` lists. Reading and decoding
    go through :mod:`srzoo.datasets.decoded`, the definition the start-up data check
    shares, so the check judges exactly the image loaded here.

    Required keys: ``{key}_path``. Added keys: ``{key}`` (H, W, C) array, uint8 or
    uint16 (float32 with ``to_float32``), and ``ori_{key}_shape``.

    Args:
        key (str): ``'gt'`` or ``'lq'``. Default: ``'gt'``.
        color_type (str): ``'color'`` (3 channels), ``'grayscale'`` (1 channel) or
            ``'unchanged'`` (as stored, alpha kept). Default: ``'color'``.
        channel_order (str): ``'rgb'`` or ``'bgr'`` for colour images. Default: ``'rgb'``.
        to_float32 (bool): return float32 on the 8-bit scale [0, 255] (16-bit values
            are divided by 257). Default: False.
        cache (bool): keep decoded images in memory (per data-loader worker) and hand out
            copies, so each file is decoded once. For small sets such as the demo or a
            benchmark folder; DIV2K-sized sets should use sub-images or LMDB. Default: False.

    Raises:
        ImageReadError: a missing, empty, truncated or non-image file, or an LMDB image
            whose size differs from its ``meta_info.txt``, named in the message.
    """

    def __init__(
        self,
        key: str = "gt",
        color_type: str = "color",
        channel_order: str = "rgb",
        to_float32: bool = False,
        cache: bool = False,
    ) -> None:
        if color_type not in DECODE_FLAGS:
            raise ValueError(
                f"color_type must be one of {sorted(DECODE_FLAGS)}, got {color_type!r}"
            )
        if channel_order not in ("rgb", "bgr"):
            raise ValueError(f"channel_order must be 'rgb' or 'bgr', got {channel_order!r}")
        self.key = key
        self.color_type = color_type
        self.channel_order = channel_order
        self.to_float32 = to_float32
        self.cache = cache
        self._cache: dict = {}

    def transform(self, results: dict) -> dict:
        """Read, decode and convert the image.

        Args:
            results (dict): the result dict with ``{key}_path``.

        Returns:
            dict: ``results`` with ``{key}`` and ``ori_{key}_shape`` added.
        """
        cache_key = (results.get(f"{self.key}_lmdb"), str(results.get(f"{self.key}_path")))
        img = self._cache.get(cache_key) if self.cache else None
        if img is None:
            img = self._load(results)
            if self.cache:
                self._cache[cache_key] = img
        results[self.key] = img.copy() if self.cache else img
        results[f"ori_{self.key}_shape"] = img.shape
        return results

    def _load(self, results: dict) -> np.ndarray:
        """Read and decode one image, then convert channels and dtype."""
        ref = image_ref(results, self.key)
        img = decode_image(read_image_bytes(ref), DECODE_FLAGS[self.color_type], ref.path)
        check_lmdb_shape(img, ref)
        name = ref.path
        if img.dtype not in (np.uint8, np.uint16):
            img = img.astype(np.float32)
        if img.ndim == 2:
            img = img[:, :, None]
        if self.channel_order == "rgb" and img.shape[2] in (3, 4):
            code = cv2.COLOR_BGR2RGB if img.shape[2] == 3 else cv2.COLOR_BGRA2RGBA
            img = cv2.cvtColor(img, code)
        if self.to_float32:
            scale = 257.0 if img.dtype == np.uint16 else 1.0
            img = img.astype(np.float32) / np.float32(scale)
        if img.size == 0:
            raise ImageReadError(f"Image '{name}' decoded to an empty array {img.shape}.")
        return img

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(key={self.key!r}, color_type={self.color_type!r}, "
            f"channel_order={self.channel_order!r}, to_float32={self.to_float32}, "
            f"cache={self.cache})"
        )
