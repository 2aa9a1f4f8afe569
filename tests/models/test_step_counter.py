"""The restorers' step counter (``step`` / ``step_counter``) across state dicts, and the
accumulation counts set once per optimizer-wrapper dict (again after a state dict loads)."""

import torch
from mmengine.optim import OptimWrapper
from test_restorers import G, make_batch, make_gan, make_wrappers

import srzoo.models.restorers.accumulation as accumulation
from srzoo.registry import RESTORERS


def sr_model() -> torch.nn.Module:
    return RESTORERS.build(dict(type="SRModel", generator=G, pixel_loss=dict(type="L1Loss")))


def test_sr_model_counts_its_steps_in_the_state_dict():
    model = sr_model()
    wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-2))
    for step in range(3):
        model.train_step(make_batch(seed=step), wrapper)
    assert model.step == 3 and int(model.state_dict()["step_counter"]) == 3
    fresh = sr_model()
    fresh.load_state_dict(model.state_dict())
    assert fresh.step == 3


def test_a_checkpoint_without_a_count_keeps_the_restorers_own():
    model = sr_model()
    model.step_counter.fill_(4)
    model.step = 4
    old = {k: v for k, v in sr_model().state_dict().items() if k != "step_counter"}
    result = model.load_state_dict(old)  # strict: the missing count is not an error
    assert not result.missing_keys and model.step == 4 and int(model.step_counter) == 4


def test_a_psnr_checkpoint_loaded_into_a_gan_keeps_the_gan_schedule():
    psnr = sr_model()
    psnr.step_counter.fill_(1000)  # iterations of PSNR pre-training, not GAN steps
    gan = make_gan(disc_init_steps=3)
    result = gan.load_state_dict(psnr.state_dict(), strict=False)
    assert gan.step == 0 and int(gan.step_counter) == 0
    assert "step_counter" not in result.missing_keys
    assert all(k.startswith("discriminator.") for k in result.missing_keys)
    assert torch.equal(gan.generator.conv_first.weight, psnr.generator.conv_first.weight)
    gan_source = make_gan()
    gan_source.step_counter.fill_(7)
    gan.load_state_dict(gan_source.state_dict())  # a GAN checkpoint: its position counts
    assert gan.step == 7


def count_inits(monkeypatch) -> list:
    calls = []
    original = accumulation.init_accumulation_counts

    def spy(optim_wrapper, parts, steps_done, updates_before):
        calls.append(steps_done)
        return original(optim_wrapper, parts, steps_done, updates_before)

    monkeypatch.setattr(accumulation, "init_accumulation_counts", spy)
    return calls


def test_accumulation_counts_are_set_once_per_wrapper_dict(monkeypatch):
    calls = count_inits(monkeypatch)
    model = make_gan()
    wrappers = make_wrappers(model)
    for step in range(3):
        model.train_step(make_batch(seed=step), wrappers)
    assert calls == [0]  # the first step only
    model.load_state_dict(model.state_dict())  # the count may have moved: set again
    for step in range(2):
        model.train_step(make_batch(seed=step), wrappers)
    assert calls == [0, 3]
    model.train_step(make_batch(), make_wrappers(model))  # a new run's wrappers
    assert calls == [0, 3, 5]
