"""srzoo's one tiling routine: seamless super-resolution of images of any size.

The image stays on the CPU. It is cut into a grid of core tiles of ``tile`` x ``tile`` LR
pixels; each core is processed with ``overlap`` pixels of context on every side (so the
network sees its receptive field), moved to the device only while it runs. The overlap is
counted in the network body's pixels: a pixel-unshuffle model (Real-ESRGAN x2 / x1, input
multiple and body stride 2 / 4) gets ``overlap * body_stride`` LR pixels, the same context
in its body as a x4 model gets. The outputs are cropped to the core plus a feather band of
half the context and blended on the CPU with linear-ramp weights, so neighbouring tiles
meet without seams and every kept pixel has at least half the context on every side. Peak
device memory is that of one ``tile + 2 * overlap * body_stride`` window, whatever the
image size.

The default tile on the CPU (:data:`DEFAULT_TILE`, 512 body pixels) is 16 times the
default overlap: an image up to 512 body pixels a side (4 MP out of a x4 model) runs in one
pass. A larger one computes ``((n * 512 + 2 * 32 * (n - 1)) / (n * 512)) ** 2`` times its
pixels for n tiles a side (1.13 for 2 x 2, at most 1.27), and on a CPU a window of ~576
pixels runs faster per pixel than a whole large image, so the tiled pass takes about the
untiled time (1.01x bf16 / 0.91x fp32 at 1 MP in, 16 MP out, with half the peak memory).
A GPU hides none of that extra compute (1.33x at 1 MP in with 512-pixel tiles on an H200),
so on accelerators the default is :data:`DEFAULT_GPU_TILE`, 1024 body pixels: 1 MP in runs
in one pass, in 4.6 GB for RRDBNet in bf16 (docs/benchmarks.md). Tiles run one at a time:
batching them would multiply the memory bound, and a device that runs out of memory halves
the tile (see :func:`tiled_forward`), so a small GPU still finishes.
"""

from typing import Callable, List, Optional, Tuple, Union

import torch
from torch import nn

from srzoo.utils.names import resolve_device

Progress = Callable[[int, int], None]
DeviceLike = Union[str, torch.device]

MIN_TILE = 16
#: Default core tile of :class:`~srzoo.apis.inference.Upscaler` and ``srzoo upscale`` on the
#: CPU, in the network body's pixels (LR pixels times the contract's ``body_stride``).
DEFAULT_TILE = 512
#: The same on a GPU (or another accelerator), where overlapping windows cost their full
#: extra compute: 1 MP in runs in one pass.
DEFAULT_GPU_TILE = 1024
#: The smallest overlap (in body pixels) tested to keep tiled output within 1/255 of untiled.
MIN_OVERLAP = 16
# RuntimeError texts of allocation failures: CUDA / MPS / XPU, and the CPU allocator.
_OOM_MESSAGES = ("out of memory", "can't allocate memory")


def _round_down(value: int, multiple: int) -> int:
    return max(multiple, value // multiple * multiple)


def default_tile(body_stride: int = 1, align: int = 1, device: DeviceLike = "cpu") -> int:
    """The default core tile in LR pixels for a model on ``device``, aligned.

    Args:
        body_stride: LR pixels per body pixel (the contract's ``body_stride``). Default: 1.
        align: The input multiple the tile is rounded down to. Default: 1.
        device: Where the model runs: :data:`DEFAULT_TILE` body pixels on the CPU,
            :data:`DEFAULT_GPU_TILE` on any other device. Default: ``"cpu"``.

    Returns:
        The body-pixel tile times ``body_stride``, rounded down to a multiple of ``align``
        (on the CPU: 512 for a x4 RRDBNet, 1024 for a pixel-unshuffle x2 one, whose body
        runs at half the LR size).
    """
    body = DEFAULT_TILE if torch.device(device).type == "cpu" else DEFAULT_GPU_TILE
    return _round_down(body * body_stride, align)


def _is_oom(err: BaseException) -> bool:
    """A CUDA (or other device) out-of-memory error."""
    message = str(err).lower()
    return isinstance(err, torch.cuda.OutOfMemoryError) or (
        isinstance(err, RuntimeError) and any(m in message for m in _OOM_MESSAGES)
    )


def _spans(size: int, tile: int, overlap: int) -> List[Tuple[int, int, int, int]]:
    """Per tile along one axis: (window start, window end, keep start, keep end) in LR px.

    The cores ``[k * tile, (k + 1) * tile)`` partition ``[0, size)``; the window adds
    ``overlap`` of context each side and the kept part ``overlap // 2`` (the feather band).
    """
    band = overlap // 2
    spans = []
    for start in range(0, size, tile):
        end = min(start + tile, size)
        spans.append(
            (
                max(start - overlap, 0),
                min(end + overlap, size),
                max(start - band, 0),
                min(end + band, size),
            )
        )
    return spans


def _ramp(keep: Tuple[int, int], size: int, band: int, scale: int) -> torch.Tensor:
    """1-D blend weights over the kept span (HR px): linear ramps across interior bands.

    A ramp rising over ``[start, start + 2 * band)`` meets its neighbour's falling ramp over
    the same pixels, and the two sum to 1.
    """
    start, end = keep[0] * scale, keep[1] * scale
    pos = torch.arange(start, end, dtype=torch.float32) + 0.5
    weight = torch.ones(end - start)
    width = 2 * band * scale
    if width > 0 and start > 0:
        weight = torch.minimum(weight, (pos - start) / width)
    if width > 0 and end < size * scale:
        weight = torch.minimum(weight, (end - pos) / width)
    return weight


def _tiled_pass(
    model: nn.Module,
    x: torch.Tensor,
    scale: int,
    tile: int,
    overlap: int,
    device: torch.device,
    dtype: torch.dtype,
    progress: Optional[Progress],
) -> torch.Tensor:
    """One pass over the grid at a fixed tile size; see :func:`tiled_forward`."""
    n, _, h, w = x.shape
    rows, cols = _spans(h, tile, overlap), _spans(w, tile, overlap)
    out: Optional[torch.Tensor] = None
    weights = torch.zeros(1, 1, h * scale, w * scale)
    total, done = len(rows) * len(cols), 0
    for y0, y1, ky0, ky1 in rows:
        wy = _ramp((ky0, ky1), h, overlap // 2, scale)
        for x0, x1, kx0, kx1 in cols:
            window = x[:, :, y0:y1, x0:x1].to(device=device, dtype=dtype)
            with torch.no_grad():
                sr = model(window).float().cpu()
            del window
            if out is None:
                out = torch.zeros(n, sr.shape[1], h * scale, w * scale)
            crop = sr[
                :,
                :,
                (ky0 - y0) * scale : (ky1 - y0) * scale,
                (kx0 - x0) * scale : (kx1 - x0) * scale,
            ]
            wxy = wy[:, None] * _ramp((kx0, kx1), w, overlap // 2, scale)[None, :]
            out[:, :, ky0 * scale : ky1 * scale, kx0 * scale : kx1 * scale] += crop * wxy
            weights[:, :, ky0 * scale : ky1 * scale, kx0 * scale : kx1 * scale] += wxy
            done += 1
            if progress is not None:
                progress(done, total)
    assert out is not None
    return out / weights.clamp_min(1e-8)


def _single_pass(
    model: nn.Module, x: torch.Tensor, device: torch.device, dtype: torch.dtype
) -> torch.Tensor:
    with torch.no_grad():
        return model(x.to(device=device, dtype=dtype)).float().cpu()


def tiled_forward(
    model: nn.Module,
    x: torch.Tensor,
    *,
    scale: int,
    tile: int = 0,
    overlap: int = 32,
    device: DeviceLike = "cpu",
    dtype: torch.dtype = torch.float32,
    progress: Optional[Progress] = None,
    min_tile: int = MIN_TILE,
    align: int = 1,
    body_stride: Optional[int] = None,
) -> torch.Tensor:
    """Run a super-resolution model over ``x`` tile by tile, blending the tiles seamlessly.

    Args:
        model: The generator, already on ``device`` in ``dtype`` and in eval mode.
        x: LR batch (N, C, H, W), on the CPU (it is never moved to the device whole).
        scale: The model's upscale factor s.
        tile: Core tile size in LR pixels (rounded down to a multiple of ``align``); 0 or
            a tile no smaller than the image runs one pass over the whole image. Default: 0
            (:class:`~srzoo.apis.inference.Upscaler` defaults to :func:`default_tile`).
        overlap: Context around each core in the network body's pixels: ``overlap *
            body_stride`` LR pixels (rounded up to ``align``), so a pixel-unshuffle model
            (whose body runs at 1/``body_stride`` of the LR resolution) gets the same
            context as a x4 model. 32 covers the
            receptive field of ESRGAN's RRDBNet to within 8-bit precision; below
            :data:`MIN_OVERLAP` seams may show. Default: 32.
        device: Where each tile runs. Default: ``"cpu"``.
        dtype: Dtype each tile is cast to. Default: ``torch.float32``.
        progress: Called as ``progress(done, total)`` after each tile. Default: None.
        min_tile: Smallest tile tried before giving up on out-of-memory errors. Default: 16.
        align: The model's input multiple (its contract's ``input_multiple``). Tile origins
            and sizes are multiples of it, so a pixel-unshuffle model (Real-ESRGAN x2 / x1
            groups 2x2 / 4x4 pixels) sees the same pixel groups in a tile as in the whole
            image. Default: 1.
        body_stride: LR pixels per body pixel (the contract's ``body_stride``): the overlap
            is ``overlap * body_stride`` LR pixels, rounded up to ``align``. Default: None
            (``align``, right for pixel-unshuffle models).

    Returns:
        SR batch (N, C_out, H * s, W * s), float32, on the CPU.

    Raises:
        RuntimeError: If the device runs out of memory even at ``min_tile``.
    """
    device = resolve_device(device)
    h, w = x.shape[-2:]
    stride = align if body_stride is None else body_stride
    overlap = -(-overlap * stride // align) * align  # body pixels -> LR pixels, aligned
    tile = _round_down(tile, align) if tile > 0 else max(h, w)
    while True:
        try:
            if tile >= max(h, w):
                out = _single_pass(model, x, device, dtype)
                if progress is not None:
                    progress(1, 1)
                return out
            return _tiled_pass(model, x, scale, tile, overlap, device, dtype, progress)
        except (torch.cuda.OutOfMemoryError, RuntimeError) as err:
            if not _is_oom(err):
                raise
            if device.type == "cuda":
                torch.cuda.empty_cache()
            if tile <= min_tile:
                raise RuntimeError(
                    f"out of memory on {device} even with {tile}x{tile} tiles; use a smaller "
                    "--tile-overlap, a lower-precision --dtype, or another device"
                ) from err
            tile = max(_round_down(min(tile, max(h, w)) // 2, align), min_tile)
