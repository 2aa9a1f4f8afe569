"""Every way a configured schedule can differ from a checkpoint's: after the resume the
learning rates are exactly those of an uninterrupted run of the current config."""

import copy
import warnings

import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import PARAM_SCHEDULERS

from srzoo.engine import schedule_resume

MAX_ITERS, DONE = 12, 5
STEP = dict(type="MultiStepLR", by_epoch=False, milestones=[4, 8], gamma=0.5)
CONFIGS = {
    "same": [STEP],
    "end": [dict(STEP, end=DONE + 1)],
    "milestones": [dict(STEP, milestones=[3, 10])],
    "gamma": [dict(STEP, gamma=0.1)],
    "type": [dict(type="CosineAnnealingLR", by_epoch=False, T_max=MAX_ITERS, eta_min=1e-5)],
    "warmup_added": [dict(type="LinearLR", by_epoch=False, start_factor=0.1, end=3), STEP],
    "none": [],
}


def build(cfgs, lr=1e-3):
    """An Adam wrapper and the schedulers, as the runner builds them (``end`` defaulted)."""
    param = torch.nn.Parameter(torch.zeros(1))
    wrapper = OptimWrapper(torch.optim.Adam([param], lr=lr))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scheds = [
            PARAM_SCHEDULERS.build(dict(c, optimizer=wrapper, end=c.get("end", MAX_ITERS)))
            for c in copy.deepcopy(cfgs)
        ]
    return wrapper, scheds


def run(wrapper, scheds, start, stop):
    """The lr each iteration start+1..stop trains with; steps like ParamSchedulerHook."""
    lrs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(start, stop):
            lrs.append(wrapper.get_lr()["lr"][0])
            for s in scheds:
                s.step()
    return lrs


def resume(old_cfgs, new_cfgs, old_lr=1e-3, new_lr=1e-3, saved=True):
    """Train ``old`` for DONE iterations, then resume with ``new`` as SRRunner does."""
    wrapper, scheds = build(old_cfgs, old_lr)
    run(wrapper, scheds, 0, DONE)
    states = [s.state_dict() for s in scheds] if saved else None
    names = schedule_resume.scheduler_types(scheds)
    optim_state = copy.deepcopy(wrapper.state_dict())
    wrapper, scheds = build(new_cfgs, new_lr)
    fresh = schedule_resume.capture(scheds, [wrapper])
    wrapper.load_state_dict(optim_state)  # mmengine's resume
    for sched, state in zip(scheds, states or []):
        sched.load_state_dict(copy.deepcopy(state))
    loaded = schedule_resume.capture(scheds, [wrapper])
    was_changed = schedule_resume.changed(fresh, loaded, states, names)
    if was_changed:
        schedule_resume.replay(scheds, [wrapper], fresh, DONE, 0)
    return was_changed, run(wrapper, scheds, DONE, MAX_ITERS)


@pytest.mark.parametrize("new", sorted(CONFIGS))
def test_resumed_lrs_equal_a_straight_run_of_the_config(new):
    straight = run(*build(CONFIGS[new]), 0, MAX_ITERS)[DONE:]
    was_changed, lrs = resume(CONFIGS["same"], CONFIGS[new])
    assert was_changed == (new != "same")
    assert lrs == straight


def test_old_mmengine_restore_keeps_the_old_end():
    """Without the replay, the resumed run never reaches the milestone at 8 (the bug)."""
    wrapper, scheds = build([dict(STEP, end=DONE)])
    run(wrapper, scheds, 0, DONE)
    states = [s.state_dict() for s in scheds]
    wrapper2, scheds2 = build([STEP])
    wrapper2.load_state_dict(wrapper.state_dict())
    scheds2[0].load_state_dict(states[0])
    assert run(wrapper2, scheds2, DONE, MAX_ITERS)[-1] == pytest.approx(1e-3 * 0.5)
    assert resume([dict(STEP, end=DONE)], [STEP])[1][-1] == pytest.approx(1e-3 * 0.25)


def test_changed_base_lr_and_missing_scheduler_state():
    straight = run(*build([STEP], lr=4e-3), 0, MAX_ITERS)[DONE:]
    assert resume([STEP], [STEP], new_lr=4e-3) == (True, straight)
    straight = run(*build([STEP]), 0, MAX_ITERS)[DONE:]
    assert resume([STEP], [STEP], saved=False) == (True, straight)


def test_description_names_type_and_settings():
    _, scheds = build([dict(STEP, end=3)])
    fresh = schedule_resume.capture(scheds, [])
    text = schedule_resume.describe(fresh.names, fresh.states)
    assert text.startswith("MultiStepLR(milestones=[4, 8], gamma=0.5") and "end=3" in text


def test_schedule_added_to_a_run_without_one_and_constant_lr_changed():
    straight = run(*build([STEP]), 0, MAX_ITERS)[DONE:]
    assert resume([], [STEP]) == (True, straight)
    assert resume([], [], new_lr=4e-3) == (True, [4e-3] * (MAX_ITERS - DONE))
    assert resume([], []) == (False, [1e-3] * (MAX_ITERS - DONE))
