"""One test over every registered network, in the spirit of timm's ``test_models.py``.

Every ``BACKBONES`` entry that declares the contract (``srzoo.arch.SRArch``), built-ins
and the example plugin alike, at each of its declared ``scales``; every
``DISCRIMINATORS`` entry at each input size its constructor accepts. Networks are built
small from their own constructor arguments (:data:`SHRINK`, keyed by argument name), so a
backbone registered later is covered with no edit here.
"""

import contextlib
import importlib
import inspect
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple, Type

import pytest
import torch
from torch import nn

import srzoo.models  # noqa: F401  (registers every built-in class)
from srzoo.apis import export_safetensors, load_generator
from srzoo.apis.convert import infer_arch
from srzoo.arch import PaddedGenerator, SRArch
from srzoo.registry import BACKBONES, DISCRIMINATORS

# Small values for constructor arguments, by name; applied where a constructor takes them.
SHRINK: Dict[str, Any] = dict(
    mid_channels=8,
    num_blocks=1,
    num_convs=2,
    growth_channels=4,
    num_groups=1,
    squeeze_factor=4,
    embed_dim=8,
    depths=(1,),
    num_heads=2,
    window_size=4,
    img_size=16,
    num_feat=8,  # BasicSR's names, for ports that keep them
    num_block=1,
    num_grow_ch=4,
)
D_SHRINK: Dict[str, Any] = dict(mid_channels=4, num_feat=4)
# Input sizes tried on a discriminator taking ``input_size``; those it refuses are skipped.
D_SIZES = (32, 128, 256)
PLUGIN_DIR = Path(__file__).resolve().parents[1] / "plugins"
PLUGIN_MODULE = "srzoo_example_plugin.nearest_net"


def _plugin_backbones() -> Dict[str, Type[SRArch]]:
    """The example plugin's backbones, imported, then taken out of ``BACKBONES`` again so
    other test files see the built-in registry; :func:`plugins_registered` puts them back."""
    before = dict(BACKBONES.module_dict)
    sys.path.insert(0, str(PLUGIN_DIR))
    try:
        module = importlib.import_module(PLUGIN_MODULE)
    finally:
        sys.path.remove(str(PLUGIN_DIR))
    found = {
        name: obj
        for name, obj in vars(module).items()
        if isinstance(obj, type) and issubclass(obj, SRArch) and obj.__module__ == PLUGIN_MODULE
    }
    for name in found:
        if name not in before:
            BACKBONES.module_dict.pop(name, None)
    return found


PLUGINS = _plugin_backbones()


def _generators() -> Dict[str, Type[SRArch]]:
    """Every contract backbone: the registered ones and the plugin's."""
    BACKBONES.import_from_location()
    found = {
        name: cls
        for name, cls in BACKBONES.module_dict.items()
        if isinstance(cls, type) and issubclass(cls, SRArch)
    }
    return {**found, **PLUGINS}


GENERATORS = _generators()
CASES = [(name, scale) for name, cls in sorted(GENERATORS.items()) for scale in cls.scales]


@pytest.fixture(autouse=True)
def plugins_registered() -> Iterator[None]:
    """The plugin's backbones registered in ``BACKBONES`` while each test here runs."""
    added = [name for name in PLUGINS if name not in BACKBONES.module_dict]
    for name in added:
        BACKBONES.register_module(name=name, module=PLUGINS[name])
    yield
    for name in added:
        BACKBONES.module_dict.pop(name, None)


def small_args(cls: type, shrink: Dict[str, Any]) -> Dict[str, Any]:
    """The entries of ``shrink`` that ``cls``'s constructor takes."""
    params = inspect.signature(cls).parameters
    return {k: v for k, v in shrink.items() if k in params}


def in_channels(cls: type) -> int:
    """The default ``in_channels`` of ``cls`` (3 if it has none)."""
    param = inspect.signature(cls).parameters.get("in_channels")
    return param.default if param is not None and isinstance(param.default, int) else 3


def build_generator(name: str, scale: int) -> SRArch:
    """``name`` built small at ``scale``, seeded."""
    torch.manual_seed(0)
    cls = GENERATORS[name]
    return BACKBONES.build(dict(type=name, **small_args(cls, SHRINK), upscale_factor=scale))


def aligned_size(multiple: int) -> Tuple[int, int]:
    """(H, W): multiples of ``multiple``, at least 6 and 10."""
    return -(-6 // multiple) * multiple, -(-10 // multiple) * multiple


def check_grads_and_adam_step(net: nn.Module, loss: torch.Tensor, what: str) -> None:
    """Every parameter gets a finite gradient; one Adam step moves them and stays finite."""
    loss.backward()
    named = list(net.named_parameters())
    assert named, f"{what} has no parameters"
    for key, p in named:
        assert p.grad is not None, f"{what}: {key} received no gradient"
        assert torch.isfinite(p.grad).all(), f"{what}: {key} has a non-finite gradient"
    assert sum(float(p.grad.abs().sum()) for _, p in named) > 0, f"{what}: all gradients zero"
    before = {key: p.detach().clone() for key, p in named}
    torch.optim.Adam(net.parameters(), lr=1e-3).step()
    for key, p in named:
        assert torch.isfinite(p).all(), f"{what}: {key} is not finite after one Adam step"
        if p.grad.abs().sum() > 0:
            assert not torch.equal(p, before[key]), f"{what}: Adam did not change {key}"


def test_matrix_covers_the_built_ins_and_the_plugin():
    assert {"SRResNet", "MSRResNet", "RRDBNet", "NearestConvNet"} <= set(GENERATORS)
    assert all(GENERATORS[name].scales for name in GENERATORS), "a backbone declares no scales"
    assert {"SRGANDiscriminator", "VGGStyleDiscriminator"} <= set(DISCRIMINATORS.module_dict)


@pytest.mark.parametrize(("name", "scale"), CASES)
def test_generator_shapes(name, scale):
    net = build_generator(name, scale).eval()
    c_in, c_out = in_channels(GENERATORS[name]), net.arch_args.get("out_channels")
    c_out = c_out if isinstance(c_out, int) else c_in
    m = net.input_multiple(scale)
    h, w = aligned_size(m)
    x = torch.rand(2, c_in, h, w)
    with torch.no_grad():
        out = net(x)
        assert out.shape == (2, c_out, scale * h, scale * w)
        out_cl = net(x.contiguous(memory_format=torch.channels_last))
        torch.testing.assert_close(out_cl, out, atol=1e-5, rtol=0)  # channels_last inputs
        odd = torch.rand(1, c_in, 7, 9)
        padded = PaddedGenerator(net).eval()(odd)
        assert padded.shape == (1, c_out, 7 * scale, 9 * scale)
        if m == 1:  # no input constraint: the bare network takes any size
            assert net(odd).shape == (1, c_out, 7 * scale, 9 * scale)
        else:  # handled, with the right shape, or refused; never a wrong shape
            with contextlib.suppress(RuntimeError, ValueError):
                assert net(odd).shape == padded.shape


@pytest.mark.parametrize(("name", "scale"), CASES)
def test_generator_gradients_and_adam_step(name, scale):
    net = build_generator(name, scale).train()
    h, w = aligned_size(net.input_multiple(scale))
    c_in = in_channels(GENERATORS[name])
    out = net(torch.rand(2, c_in, h, w))
    target = torch.rand_like(out)
    check_grads_and_adam_step(net, (out - target).abs().mean(), f"{name} x{scale}")


def _train_once(net: SRArch, x: torch.Tensor) -> None:
    """One training forward, so batch-norm running statistics leave their initial values."""
    net.train()
    with torch.no_grad():
        net(x)
    net.eval()


@pytest.mark.parametrize(("name", "scale"), CASES)
def test_generator_weights_round_trip(name, scale, tmp_path):
    net = build_generator(name, scale)
    h, w = aligned_size(net.input_multiple(scale))
    x = torch.rand(1, in_channels(GENERATORS[name]), h, w)
    _train_once(net, torch.rand_like(x))
    state = net.state_dict()
    with torch.no_grad():
        expected = net(x)
        inferred = infer_arch(state)
        assert inferred["type"] == name
        rebuilt = BACKBONES.build(inferred).eval()
        rebuilt.load_state_dict(state, strict=True)
        assert torch.equal(rebuilt(x), expected), f"infer_arch rebuilt {inferred}"
        path = export_safetensors({"params": state}, tmp_path / "g.safetensors")
        loaded = load_generator(path)
        assert type(loaded) is type(net) and torch.equal(loaded(x), expected)
        same = BACKBONES.build(net.arch_config).eval()
        assert same.arch_config == net.arch_config
        same.load_state_dict(state, strict=True)
        assert torch.equal(same(x), expected)


def _discriminator_cases() -> List[Tuple[str, int]]:
    """(name, input size) for each size each discriminator's constructor accepts."""
    cases = []
    for name, cls in sorted(DISCRIMINATORS.module_dict.items()):
        param = inspect.signature(cls).parameters.get("input_size")
        if param is None:
            cases.append((name, 32))
            continue
        sizes = sorted({*D_SIZES, param.default} - {inspect.Parameter.empty})
        for size in sizes:
            try:
                DISCRIMINATORS.build(dict(type=name, **small_args(cls, D_SHRINK), input_size=size))
            except ValueError:
                continue  # a size this discriminator refuses at build
            cases.append((name, size))
    return cases


D_CASES = _discriminator_cases()


@pytest.mark.parametrize(("name", "size"), D_CASES)
def test_discriminator_shape_gradients_and_adam_step(name, size):
    cls = DISCRIMINATORS.get(name)
    args = small_args(cls, D_SHRINK)
    if "input_size" in inspect.signature(cls).parameters:
        args["input_size"] = size
    torch.manual_seed(0)
    net = DISCRIMINATORS.build(dict(type=name, **args)).train()
    out = net(torch.rand(2, in_channels(cls), size, size))
    if "input_size" in args:  # a whole-image score
        assert out.shape == (2, 1)
    else:  # a score map, one channel
        assert out.dim() == 4 and out.shape[:2] == (2, 1)
    assert torch.isfinite(out).all()
    check_grads_and_adam_step(net, nn.functional.softplus(-out).mean(), f"{name} @{size}")


def test_every_discriminator_has_a_case():
    assert {name for name, _ in D_CASES} == set(DISCRIMINATORS.module_dict)
    expected = {("VGGStyleDiscriminator", 128), ("VGGStyleDiscriminator", 256)}
    assert expected | {("SRGANDiscriminator", 96)} <= set(D_CASES)
    assert ("VGGStyleDiscriminator", 32) not in D_CASES  # refused sizes are left out
