"""Generator EMA: the update against hand-computed values, the hook's schedule, saving and
resuming ``generator_ema``, and its use for validation."""

from types import SimpleNamespace

import pytest
import torch
from torch import nn

import srzoo.engine  # noqa: F401
import srzoo.models  # noqa: F401
from srzoo.engine.ema_hook import GeneratorEMAHook, ema_update
from srzoo.registry import HOOKS, RESTORERS

G = dict(type="RRDBNet", mid_channels=8, num_blocks=1, growth_channels=4, upscale_factor=4)


def conv_bn() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2))


def fill(module: nn.Module, value: float, count: int) -> None:
    with torch.no_grad():
        for tensor in module.state_dict().values():
            if tensor.dtype.is_floating_point:
                tensor.fill_(value)
            else:
                tensor.fill_(count)


def test_ema_update_matches_hand_computed_values():
    ema, live = conv_bn(), conv_bn()
    fill(ema, 1.0, count=3)
    fill(live, 3.0, count=7)
    ema_update(ema, live, momentum=0.75)
    # float parameters and buffers: 0.75 * 1 + 0.25 * 3 = 1.5; integer buffers copied
    for name, tensor in ema.state_dict().items():
        if tensor.dtype.is_floating_point:
            assert torch.allclose(tensor, torch.full_like(tensor, 1.5)), name
        else:
            assert int(tensor) == 7, name
    assert ema[1].running_var.allclose(torch.full((2,), 1.5))
    assert all(not torch.equal(a, b) for a, b in zip(ema.parameters(), live.parameters()))


def test_ema_update_twice_compounds():
    ema, live = conv_bn(), conv_bn()
    fill(ema, 0.0, count=0)
    fill(live, 1.0, count=1)
    for _ in range(2):
        ema_update(ema, live, momentum=0.9)
    # 1 - 0.9^2
    assert ema[0].weight.flatten()[0].item() == pytest.approx(0.19)


def ema_model() -> nn.Module:
    torch.manual_seed(0)
    return RESTORERS.build(
        dict(type="SRModel", generator=G, pixel_loss=dict(type="L1Loss"), ema=True)
    )


def fake_runner(model: nn.Module, iteration: int) -> SimpleNamespace:
    return SimpleNamespace(model=model, iter=iteration)


def shift_generator(model: nn.Module, delta: float) -> None:
    with torch.no_grad():
        for p in model.generator.parameters():
            p.add_(delta)


def test_hook_blends_generator_into_ema_with_momentum():
    model = ema_model()
    before = {k: v.clone() for k, v in model.generator_ema.state_dict().items()}
    shift_generator(model, 1.0)
    hook = HOOKS.build(dict(type="GeneratorEMAHook", momentum=0.9))
    hook.after_train_iter(fake_runner(model, 0), 0)
    live = model.generator.state_dict()
    for key, value in model.generator_ema.state_dict().items():
        assert torch.allclose(value, 0.9 * before[key] + 0.1 * live[key], atol=1e-6), key


def test_hook_interval_and_start_iter():
    model = ema_model()
    hook = GeneratorEMAHook(momentum=0.9, interval=2, start_iter=4)
    ema0 = [p.clone() for p in model.generator_ema.parameters()]
    shift_generator(model, 1.0)
    hook.after_train_iter(fake_runner(model, 0), 0)  # (0 + 1) % 2: skipped
    assert all(torch.equal(a, b) for a, b in zip(ema0, model.generator_ema.parameters()))
    hook.after_train_iter(fake_runner(model, 1), 1)  # before start_iter: a plain copy
    assert all(
        torch.equal(a, b)
        for a, b in zip(model.generator.parameters(), model.generator_ema.parameters())
    )
    shift_generator(model, 1.0)
    hook.after_train_iter(fake_runner(model, 5), 5)  # averaged from now on
    for ema, live in zip(model.generator_ema.parameters(), model.generator.parameters()):
        assert torch.allclose(ema, live - 0.9, atol=1e-6)


def test_hook_unwraps_ddp_like_wrappers_and_needs_ema():
    model = ema_model()
    shift_generator(model, 1.0)
    GeneratorEMAHook(momentum=0.0).after_train_iter(fake_runner(torch.nn.DataParallel(model), 0), 0)
    assert all(
        torch.equal(a, b)
        for a, b in zip(model.generator.parameters(), model.generator_ema.parameters())
    )
    plain = RESTORERS.build(dict(type="SRModel", generator=G, pixel_loss=dict(type="L1Loss")))
    with pytest.raises(RuntimeError, match="ema=True"):
        GeneratorEMAHook().after_train_iter(fake_runner(plain, 0), 0)
    with pytest.raises(ValueError, match="momentum"):
        GeneratorEMAHook(momentum=1.0)


def test_ema_is_saved_and_resumed():
    model = ema_model()
    shift_generator(model, 0.5)
    GeneratorEMAHook(momentum=0.5).after_train_iter(fake_runner(model, 0), 0)
    state = model.state_dict()
    ema_keys = {k[len("generator_ema.") :] for k in state if k.startswith("generator_ema.")}
    assert ema_keys == set(model.generator.state_dict())
    fresh = ema_model()
    fresh.load_state_dict(state)
    for a, b in zip(fresh.generator_ema.parameters(), model.generator_ema.parameters()):
        assert torch.equal(a, b)
    assert not torch.equal(
        next(fresh.generator_ema.parameters()), next(fresh.generator.parameters())
    )


def test_checkpoint_without_ema_starts_the_average_from_its_generator():
    source = RESTORERS.build(dict(type="SRModel", generator=G, pixel_loss=dict(type="L1Loss")))
    shift_generator(source, 0.25)
    model = ema_model()
    model.load_state_dict(source.state_dict())
    for a, b in zip(model.generator_ema.parameters(), source.generator.parameters()):
        assert torch.equal(a, b)


def test_init_weights_starts_ema_equal_to_generator():
    model = ema_model()
    shift_generator(model, 1.0)  # as an init_cfg re-drawing the generator would
    model.init_weights()
    for a, b in zip(model.generator_ema.parameters(), model.generator.parameters()):
        assert torch.equal(a, b)


def test_validation_and_test_use_the_ema_generator():
    model = ema_model()
    with torch.no_grad():
        for p in model.generator_ema.parameters():
            p.zero_()  # the EMA copy now outputs a constant 0
    assert model.inference_generator is model.generator_ema
    batch = dict(inputs=[torch.rand(3, 8, 8) * 255])
    for step in (model.val_step, model.test_step):
        out = step(batch)[0].pred_img
        assert out.shape == (3, 32, 32) and not out.any()
    assert model(torch.rand(1, 3, 8, 8), mode="tensor").abs().sum() > 0  # training path: G
