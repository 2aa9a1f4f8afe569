"""LPIPS with an AlexNet trunk (version 0.1), equal to the ``lpips`` package, without it.

Zhang, Isola, Efros, Shechtman and Wang, "The Unreasonable Effectiveness of Deep Features
as a Perceptual Metric", CVPR 2018; reference implementation ``lpips`` 0.1.4
(``lpips.LPIPS(net='alex', version='0.1')``). For images ``x``, ``y`` on [-1, 1]:

1. scale each input: ``(x - shift) / scale`` with lpips' ``ScalingLayer`` constants;
2. AlexNet ``features`` (torchvision's layout), tapped after each of its five ReLUs;
3. unit-normalise every tap over channels (eps 1e-10), square the difference;
4. a 1x1 convolution without bias (the learned ``lin`` layers), mean over space, sum over
   the five taps.

Two weight files, read through :func:`srzoo.checkpoint.load_weights` (nothing downloaded,
neither ``torchvision`` nor ``lpips`` imported):

- the trunk: torchvision's ``alexnet-owt-7be5be79.pth`` (from the torch hub cache by
  default; its ``classifier.*`` entries are ignored), or any file with ``features.N.*`` or
  ``N.*`` keys;
- the linear layers: ``weights/v0.1/alex.pth`` of an installed ``lpips`` package (found
  with ``importlib.util.find_spec``, not imported), else ``lpips_alex_v0.1.pth`` in the hub
  cache, or a given path.
"""

import importlib.util
import os
from pathlib import Path
from typing import Optional, Tuple

import torch
from torch import Tensor, nn

from srzoo.checkpoint import load_weights
from srzoo.errors import WeightsError

TORCHVISION_ALEXNET_FILE = "alexnet-owt-7be5be79.pth"
LPIPS_LIN_FILE = "lpips_alex_v0.1.pth"
LPIPS_PACKAGE_LIN = ("weights", "v0.1", "alex.pth")
# lpips' ScalingLayer: ImageNet statistics expressed on [-1, 1].
SHIFT = (-0.030, -0.088, -0.188)
SCALE = (0.458, 0.448, 0.450)
TAPS = (1, 4, 7, 9, 11)  # relu1 ... relu5 in torchvision's ``alexnet().features``
CHANNELS = (64, 192, 384, 256, 256)
EPS = 1e-10


def alexnet_features() -> nn.Sequential:
    """torchvision's ``alexnet().features`` up to relu5 (indices 0-11, same keys).

    Krizhevsky et al. 2012 as torchvision's "one weird trick" variant (64-192-384-256-256).
    """
    return nn.Sequential(
        nn.Conv2d(3, 64, 11, stride=4, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(),
    )  # fmt: skip


class AlexNetTrunk(nn.Module):
    """Holds ``features`` so that torchvision's AlexNet state dict keys load unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.features = alexnet_features()


class _LinLayer(nn.Module):
    """lpips' ``NetLinLayer``: ``model.0`` is its dropout (identity at test), ``model.1``
    the 1x1 convolution, so the package's ``lin{k}.model.1.weight`` keys load strictly."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.model = nn.Sequential(nn.Identity(), nn.Conv2d(channels, 1, 1, bias=False))

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x)


class LinearHeads(nn.Module):
    """The five learned channel weightings ``lin0`` ... ``lin4``."""

    def __init__(self) -> None:
        super().__init__()
        for k, channels in enumerate(CHANNELS):
            self.add_module(f"lin{k}", _LinLayer(channels))

    def __getitem__(self, k: int) -> _LinLayer:
        return getattr(self, f"lin{k}")


class LPIPSAlex(nn.Module):
    """LPIPS distance, AlexNet v0.1; build with :func:`build_lpips` to get real weights."""

    def __init__(self) -> None:
        super().__init__()
        self.trunk = AlexNetTrunk()
        self.lins = LinearHeads()
        self.register_buffer("shift", torch.tensor(SHIFT).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("scale", torch.tensor(SCALE).view(1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)
        self.eval()

    def taps(self, x: Tensor) -> list:
        """The five post-ReLU feature maps of scaled ``x``."""
        x = (x - self.shift) / self.scale
        out = []
        for index, layer in enumerate(self.trunk.features):
            x = layer(x)
            if index in TAPS:
                out.append(x)
        return out

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        """LPIPS of two batches.

        Args:
            x (Tensor): (N, 3, H, W) RGB on [-1, 1] (H, W >= 32 or so for AlexNet).
            y (Tensor): the other images, same shape.

        Returns:
            Tensor: (N,) distances, >= 0; 0 for identical images.

        Raises:
            ValueError: shapes differ or are not (N, 3, H, W).
        """
        if x.shape != y.shape or x.dim() != 4 or x.shape[1] != 3:
            raise ValueError(f"LPIPS needs two (N, 3, H, W) batches, got {x.shape}, {y.shape}")
        total = x.new_zeros(x.shape[0])
        for k, (fx, fy) in enumerate(zip(self.taps(x), self.taps(y))):
            fx = fx / (torch.sqrt(torch.sum(fx**2, dim=1, keepdim=True)) + EPS)
            fy = fy / (torch.sqrt(torch.sum(fy**2, dim=1, keepdim=True)) + EPS)
            total = total + self.lins[k]((fx - fy) ** 2).mean(dim=(2, 3)).flatten()
        return total


def hub_file(name: str) -> Path:
    """``<torch.hub.get_dir()>/checkpoints/<name>``, where torchvision caches weights."""
    return Path(torch.hub.get_dir()) / "checkpoints" / name


def installed_lin_weights() -> Optional[Path]:
    """``weights/v0.1/alex.pth`` of an installed ``lpips`` package (not imported), or None."""
    try:
        spec = importlib.util.find_spec("lpips")
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder).joinpath(*LPIPS_PACKAGE_LIN)
        if path.is_file():
            return path
    return None


def weight_paths(alexnet: Optional[str] = None, lin: Optional[str] = None) -> Tuple[Path, Path]:
    """The trunk and linear-layer files to use: the given paths, else the defaults."""
    trunk = Path(os.path.expanduser(alexnet)) if alexnet else hub_file(TORCHVISION_ALEXNET_FILE)
    if lin:
        return trunk, Path(os.path.expanduser(lin))
    return trunk, installed_lin_weights() or hub_file(LPIPS_LIN_FILE)


def missing_reason(trunk: Path, lin: Path) -> Optional[str]:
    """Why LPIPS cannot run (``'no AlexNet weights at <path>'``...), or None."""
    if not trunk.is_file():
        return f"no AlexNet weights at {trunk}"
    if not lin.is_file():
        return f"no LPIPS v0.1 linear weights at {lin} (pip install lpips, or give lin_weights)"
    return None


def build_lpips(alexnet: Optional[str] = None, lin: Optional[str] = None) -> LPIPSAlex:
    """An :class:`LPIPSAlex` with its weights loaded (see the module docstring for paths).

    Raises:
        FileNotFoundError: a weight file is missing (the message names it).
        WeightsError: a file holds other weights (e.g. not an AlexNet).
    """
    trunk_path, lin_path = weight_paths(alexnet, lin)
    reason = missing_reason(trunk_path, lin_path)
    if reason:
        raise FileNotFoundError(f"LPIPS: {reason}")
    net = LPIPSAlex()
    result = load_weights(
        net.trunk, trunk_path, prefix=None, strict=False, revise_keys=[(r"^(?=\d)", "features.")]
    )
    ignored = [k for k in result.unexpected_keys if not k.startswith("classifier.")]
    if result.missing_keys or ignored:
        raise WeightsError(
            f"{trunk_path}: not torchvision's AlexNet; missing keys {result.missing_keys[:6]}, "
            f"unexpected keys {ignored[:6]}"
        )
    load_weights(net.lins, lin_path, prefix=None, strict=True)
    return net.eval()
