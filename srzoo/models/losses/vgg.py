"""VGG19 feature extractor for perceptual losses, with no torchvision dependency.

VGG19 is configuration E of Simonyan & Zisserman, "Very Deep Convolutional Networks for
Large-Scale Image Recognition" (ICLR 2015). The convolutional trunk is stored as
``features.N`` exactly like torchvision's ``vgg19``, so torchvision's published
``vgg19-dcbb9e9d.pth`` loads unchanged (its ``classifier.*`` entries are ignored).
"""

import os
from typing import Optional, Sequence

import torch
from torch import Tensor, nn

from srzoo.checkpoint import extract_state_dict, load_checkpoint_file, load_weights
from srzoo.errors import WeightsError

TORCHVISION_VGG19_FILE = "vgg19-dcbb9e9d.pth"
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
_CONVS_PER_BLOCK = (2, 2, 4, 4, 4)
_BLOCK_CHANNELS = (64, 128, 256, 512, 512)


def _layer_names() -> tuple[str, ...]:
    names: list[str] = []
    for block, num_convs in enumerate(_CONVS_PER_BLOCK, start=1):
        for i in range(1, num_convs + 1):
            names += [f"conv{block}_{i}", f"relu{block}_{i}"]
        names.append(f"pool{block}")
    return tuple(names)


#: ``conv1_1, relu1_1, ..., relu5_4, pool5``; the position is torchvision's ``features`` index.
VGG19_LAYER_NAMES: tuple[str, ...] = _layer_names()


def layer_index(name: str) -> int:
    """Return the ``features`` index of a VGG19 layer name such as ``'relu5_4'``.

    Raises:
        ValueError: for an unknown name; the message lists the valid names.
    """
    if name not in VGG19_LAYER_NAMES:
        raise ValueError(
            f"unknown VGG19 layer {name!r}; valid names: {', '.join(VGG19_LAYER_NAMES)}"
        )
    return VGG19_LAYER_NAMES.index(name)


def build_vgg19_features(num_layers: int) -> nn.Sequential:
    """Build the first ``num_layers`` modules of VGG19's ``features`` trunk.

    ReLUs are not in-place, so a conv output captured before its activation stays intact.
    Convolutions get torchvision's VGG initialisation (Kaiming normal, fan_out, zero bias),
    which keeps random features at unit scale through all 16 layers; PyTorch's default
    conv init shrinks them by orders of magnitude, making a random-weight loss vanish.
    """
    layers: list[nn.Module] = []
    in_channels = 3
    for name in VGG19_LAYER_NAMES[:num_layers]:
        if name.startswith("conv"):
            out_channels = _BLOCK_CHANNELS[int(name[4]) - 1]
            conv = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1)
            nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")
            nn.init.zeros_(conv.bias)
            layers.append(conv)
            in_channels = out_channels
        elif name.startswith("relu"):
            layers.append(nn.ReLU(inplace=False))
        else:
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


def _param_keys(num_layers: int) -> set[str]:
    """``'N.weight'`` and ``'N.bias'`` of every conv among the first ``num_layers`` modules."""
    convs = [i for i, name in enumerate(VGG19_LAYER_NAMES[:num_layers]) if name.startswith("conv")]
    return {f"{i}.{kind}" for i in convs for kind in ("weight", "bias")}


def resolve_vgg19_weights(pretrained: Optional[str]) -> Optional[str]:
    """Map ``pretrained`` to a weights file path (``None`` stays ``None``).

    ``'torchvision'`` means ``<torch.hub.get_dir()>/checkpoints/vgg19-dcbb9e9d.pth``, where
    torchvision caches the file. Any other string is a path.

    Raises:
        FileNotFoundError: the file does not exist; the message says how to get it.
    """
    if pretrained is None:
        return None
    if pretrained == "torchvision":
        path = os.path.join(torch.hub.get_dir(), "checkpoints", TORCHVISION_VGG19_FILE)
    else:
        path = os.path.expanduser(pretrained)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"VGG19 weights not found at {path!r}. srzoo never downloads them: put torchvision's "
            f"{TORCHVISION_VGG19_FILE} (from https://download.pytorch.org/models/"
            f"{TORCHVISION_VGG19_FILE}) at that path, or set the perceptual loss's "
            "pretrained=<path to the file> (--cfg-options model.perceptual_loss.pretrained=...), "
            "or pretrained=None for random weights (tests only)."
        )
    return path


def load_vgg19_features_state(path: str, num_layers: int) -> dict[str, Tensor]:
    """Read the ``features.*`` tensors that a ``num_layers``-deep trunk needs from ``path``.

    Accepts a plain torchvision state dict or one wrapped in ``'state_dict'``, read safely
    through :mod:`srzoo.checkpoint`. ``classifier.*`` keys and features deeper than
    ``num_layers`` are ignored.

    Returns:
        dict: keys ``'N.weight'`` / ``'N.bias'`` for ``nn.Sequential.load_state_dict``.

    Raises:
        WeightsError: keys are missing, or ``features.*`` keys are not VGG19's.
    """
    features = extract_state_dict(load_checkpoint_file(path), prefix="features")
    full_keys = _param_keys(len(VGG19_LAYER_NAMES))
    needed_keys = _param_keys(num_layers)
    unexpected = sorted(f"features.{k}" for k in set(features) - full_keys)
    missing = sorted(f"features.{k}" for k in needed_keys - set(features))
    if unexpected or missing:
        raise WeightsError(
            f"{path!r} is not a torchvision VGG19 state dict: missing keys {missing}, "
            f"unexpected keys {unexpected}"
        )
    return {k: v for k, v in features.items() if k in needed_keys}


class VGG19FeatureExtractor(nn.Module):
    """Frozen VGG19 trunk returning the feature maps of the requested layers.

    Only the layers up to the deepest requested one are built. Parameters never require
    grad and the module stays in eval mode whatever ``train()`` is called with.

    Args:
        layer_names (Sequence[str]): layers to return, e.g. ``('conv5_4',)`` (ESRGAN, before
            activation) or ``('relu5_4',)`` (SRGAN's VGG54, after activation).
        use_input_norm (bool): normalise inputs with the ImageNet mean/std. Default: True.
        range_norm (bool): inputs are in [-1, 1] and are mapped to [0, 1] first.
            Default: False.
        pretrained (str | None): ``'torchvision'`` (the hub cache file), a file path, or
            ``None`` for random weights. Default: ``'torchvision'``.
    """

    def __init__(
        self,
        layer_names: Sequence[str],
        use_input_norm: bool = True,
        range_norm: bool = False,
        pretrained: Optional[str] = "torchvision",
    ) -> None:
        super().__init__()
        if isinstance(layer_names, str) or not layer_names:
            raise ValueError(f"layer_names must be a non-empty list of names, got {layer_names!r}")
        self.layer_names = tuple(layer_names)
        self._indices = {layer_index(name): name for name in self.layer_names}
        num_layers = max(self._indices) + 1
        self.use_input_norm = bool(use_input_norm)
        self.range_norm = bool(range_norm)
        path = resolve_vgg19_weights(pretrained)
        self.features = build_vgg19_features(num_layers)
        if path is not None:
            state = load_vgg19_features_state(path, num_layers)
            load_weights(self.features, state, prefix=None, name=f"VGG19 weights {path!r}")
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), False)
        self.requires_grad_(False)
        self.train(False)

    def train(self, mode: bool = True) -> "VGG19FeatureExtractor":
        """Stay in eval mode: ``mode`` is ignored."""
        return super().train(False)

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        """Extract features.

        Args:
            x (Tensor): images, shape (N, 3, H, W), in [0, 1] (or [-1, 1] with ``range_norm``).

        Returns:
            dict[str, Tensor]: layer name -> feature map (N, C_l, H_l, W_l).
        """
        if x.dim() != 4 or x.shape[1] != 3:
            raise ValueError(f"VGG19 expects (N, 3, H, W) images, got shape {tuple(x.shape)}")
        if self.range_norm:
            x = (x + 1) / 2
        if self.use_input_norm:
            x = (x - self.mean) / self.std
        out: dict[str, Tensor] = {}
        for index, layer in enumerate(self.features):
            x = layer(x)
            if index in self._indices:
                out[self._indices[index]] = x
        return out
