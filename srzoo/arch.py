"""The per-architecture contract: what srzoo knows about one generator, declared on its class.

A backbone derives from :class:`SRArch` (instead of ``nn.Module``) and declares, next to
its layers:

* ``scales``: the upscale factors it supports. Building it with another one raises
  ``ValueError`` before any layer is made;
* :meth:`SRArch.input_multiple`: for a scale, the number that the input's height and width
  must be multiples of (a pixel-unshuffle factor, a window size). Callers pad with
  :func:`pad_to_multiple`, the one pad-then-crop routine of srzoo, which is also traced
  into ONNX graphs;
* :meth:`SRArch.detect`: recognise its own weights in a state dict (srzoo's keys, which
  are BasicSR's) and infer its constructor arguments from the key names and shapes;
* ``key_layouts``: the foreign key layouts of the same network (an original repository,
  MMagic) with the renames to srzoo's keys;
* its constructor arguments, recorded on the instance when it is built
  (:attr:`SRArch.arch_config`), so that export writes them exactly.

Loading, ``load_generator``, export, ``convert``, tiling and ONNX padding use only this
contract, so a plugin backbone that declares it gets all of them with no edit to srzoo.
Compare spandrel's per-architecture ``detect``/``load`` and timm's per-model metadata.
This module is layer 1: it imports torch and nothing of srzoo.
"""

import functools
import inspect
import re
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Collection, Dict, Mapping, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import nn

StateDict = Dict[str, torch.Tensor]
Renames = Sequence[Tuple[str, str]]


def rename_keys(state_dict: Mapping[str, Any], rules: Renames) -> Dict[str, Any]:
    """Apply the ``(pattern, replacement)`` regexes, in order, to every key."""
    out = {}
    for key, value in state_dict.items():
        for pattern, replacement in rules:
            key = re.sub(pattern, replacement, key)
        out[key] = value
    return out


@dataclass(frozen=True)
class KeyLayout:
    """A foreign key layout of one architecture and how to rename it to srzoo's keys.

    Attributes:
        name: Short name, e.g. ``"esrgan_new"`` (the original ESRGAN repository).
        matches: Whether a set of keys is in this layout.
        to_srzoo: Maps such a state dict to srzoo's (BasicSR's) keys.
    """

    name: str
    matches: Callable[[Collection[str]], bool]
    to_srzoo: Callable[[StateDict], StateDict]

    @classmethod
    def by_prefix(cls, name: str, prefixes: Tuple[str, ...], rules: Renames) -> "KeyLayout":
        """A layout recognised by any key starting with one of ``prefixes``, renamed by regex."""
        return cls(
            name=name,
            matches=lambda keys: any(k.startswith(prefixes) for k in keys),
            to_srzoo=lambda sd: rename_keys(sd, rules),
        )


def count_blocks(keys: Collection[str], prefix: str = "body.") -> int:
    """Number of distinct ``prefix<N>.`` indices among ``keys`` (e.g. residual blocks)."""
    return len({k[len(prefix) :].split(".")[0] for k in keys if k.startswith(prefix)})


def check_scale(name: str, upscale_factor: Any, supported: Sequence[int]) -> int:
    """``upscale_factor`` if it is an int among ``supported``.

    Raises:
        ValueError: e.g. ``"RRDBNet supports upscale_factor in (1, 2, 4), got 3"``.
    """
    supported = tuple(supported)
    valid = isinstance(upscale_factor, int) and not isinstance(upscale_factor, bool)
    if not valid or upscale_factor not in supported:
        raise ValueError(f"{name} supports upscale_factor in {supported}, got {upscale_factor!r}")
    return upscale_factor


def _recording(init: Callable) -> Callable:
    """Wrap a contract class's ``__init__``: check the scale first, record the arguments after."""
    signature = inspect.signature(init)

    @functools.wraps(init)
    def wrapper(self: "SRArch", *args: Any, **kwargs: Any) -> None:
        outermost = type(self).__init__ is wrapper
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        arguments = {}
        for name, value in list(bound.arguments.items())[1:]:
            kind = signature.parameters[name].kind
            arguments.update(value if kind is inspect.Parameter.VAR_KEYWORD else {name: value})
        cls = type(self)
        if outermost and cls.scales and "upscale_factor" in arguments:
            check_scale(cls.__name__, arguments["upscale_factor"], cls.scales)
        init(self, *args, **kwargs)
        if outermost:
            self.arch_args = arguments

    return wrapper


class SRArch(nn.Module):
    """Base class of srzoo generators: an ``nn.Module`` that declares the contract.

    Subclasses set ``scales`` (and ``key_layouts`` when other layouts exist), take an
    ``upscale_factor`` keyword, and override :meth:`detect` (and :meth:`input_multiple`
    when their input size is constrained). The constructor arguments are recorded in
    ``arch_args`` by the base class; nothing needs to be written for that.

    Attributes:
        scales: The supported upscale factors, e.g. ``(2, 3, 4)``.
        key_layouts: Foreign key layouts of this network, tried in order.
        arch_args: The constructor arguments of this instance, defaults included.
    """

    scales: ClassVar[Tuple[int, ...]] = ()
    key_layouts: ClassVar[Tuple[KeyLayout, ...]] = ()
    arch_args: Dict[str, Any]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _recording(cls.__dict__["__init__"])

    @classmethod
    def input_multiple(cls, scale: int) -> int:
        """The number that the input's H and W must be multiples of, at ``scale``. Default: 1."""
        return 1

    @classmethod
    def body_stride(cls, scale: int) -> int:
        """LR pixels per pixel of the network body at ``scale`` (its pixel-unshuffle factor).

        Tiling counts its overlap in body pixels, so every network gets the same context in
        its body. Default: :meth:`input_multiple`, right for pixel-unshuffle networks; one
        whose multiple is not a downscale (a window size) returns 1.
        """
        return cls.input_multiple(scale)

    @classmethod
    def detect(cls, state_dict: Mapping[str, torch.Tensor]) -> Optional[Dict[str, Any]]:
        """Constructor arguments inferred from weights in srzoo's keys, or None if not ours.

        Args:
            state_dict: A generator state dict, already renamed by :meth:`to_srzoo_keys`.

        Returns:
            Keyword arguments for the constructor (``upscale_factor`` included), or None.
        """
        return None

    @classmethod
    def foreign_layout(cls, keys: Collection[str]) -> Optional[KeyLayout]:
        """The first of ``key_layouts`` that ``keys`` are in, or None."""
        return next((layout for layout in cls.key_layouts if layout.matches(keys)), None)

    @classmethod
    def to_srzoo_keys(cls, state_dict: Mapping[str, torch.Tensor]) -> StateDict:
        """``state_dict`` renamed from a foreign layout of this class; else unchanged."""
        layout = cls.foreign_layout(list(state_dict))
        return layout.to_srzoo(dict(state_dict)) if layout else dict(state_dict)

    @property
    def arch_config(self) -> Dict[str, Any]:
        """``dict(type=<class name>, **arch_args)``: what ``BACKBONES.build`` rebuilds it from."""
        return dict(type=type(self).__name__, **self.arch_args)

    @property
    def scale(self) -> int:
        """The upscale factor this instance was built with."""
        return int(self.arch_args["upscale_factor"])


def pad_to_multiple(x: torch.Tensor, multiple: int) -> torch.Tensor:
    """Pad the bottom/right of ``x`` (N, C, H, W) so H and W are multiples of ``multiple``.

    Reflect padding where the image is large enough for it, replicate otherwise. While
    being traced (ONNX export) the pad is a constant ``multiple - 1`` followed by a
    shape-dependent crop, so the graph serves every input size; the values are the same.

    Returns:
        (N, C, ceil(H / m) * m, ceil(W / m) * m); ``x`` itself if nothing is needed.
    """
    h, w = x.shape[-2], x.shape[-1]
    if torch.jit.is_tracing():
        m = multiple
        x = F.pad(x, (0, m - 1, 0, m - 1), mode="reflect")
        return x[..., : (h + m - 1) // m * m, : (w + m - 1) // m * m]
    pad_h, pad_w = (-h) % multiple, (-w) % multiple
    if pad_h == 0 and pad_w == 0:
        return x
    mode = "reflect" if pad_h < h and pad_w < w else "replicate"
    return F.pad(x, (0, pad_w, 0, pad_h), mode=mode)


def forward_padded(
    net: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, multiple: int, scale: int
) -> torch.Tensor:
    """Pad ``x`` (N, C, H, W) to ``multiple``, run ``net``, crop to (N, C', sH, sW)."""
    h, w = x.shape[-2], x.shape[-1]
    if multiple > 1:
        x = pad_to_multiple(x, multiple)
    return net(x)[..., : h * scale, : w * scale]


class PaddedGenerator(nn.Module):
    """A generator that accepts any input size: pad to its input multiple, run, crop.

    Used for ONNX export and by callers holding a generator whose contract constrains
    its input size. (N, C, H, W) -> (N, C', sH, sW).

    Args:
        model: A generator declaring the contract.
    """

    def __init__(self, model: SRArch) -> None:
        super().__init__()
        self.model = model
        self.multiple = model.input_multiple(model.scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Super-resolve ``x`` of any size."""
        return forward_padded(self.model, x, self.multiple, self.model.scale)
