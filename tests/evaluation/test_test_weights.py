"""Which weights ``srzoo test`` evaluates, and the caption note when it is not the EMA copy."""

import torch

import srzoo.models  # noqa: F401
from srzoo.evaluation.evaluate import load_test_weights
from srzoo.registry import RESTORERS

G = dict(type="MSRResNet", mid_channels=8, num_blocks=1, upscale_factor=4)


def restorer(ema: bool):
    torch.manual_seed(0)
    return RESTORERS.build(dict(type="SRModel", generator=G, pixel_loss=dict(type="L1Loss"),
                                ema=dict(momentum=0.5) if ema else False))  # fmt: skip


def test_a_config_without_ema_tests_the_generator_and_says_so(tmp_path):
    source = restorer(ema=True)
    with torch.no_grad():
        for p in source.generator_ema.parameters():
            p.add_(1.0)  # the EMA copy differs from the generator
    path = tmp_path / "gan.pth"
    torch.save({"state_dict": source.state_dict()}, path)
    plain = restorer(ema=False)
    note = load_test_weights(plain, str(path))
    assert note.startswith("evaluated: the generator's own weights")
    weight = source.generator.conv_first.weight
    assert torch.equal(plain.generator.conv_first.weight, weight)
    averaged = restorer(ema=True)
    assert load_test_weights(averaged, str(path)) is None  # tests the EMA copy, as upscale does
    assert torch.equal(averaged.generator_ema.conv_first.weight, weight + 1.0)


def test_basicsr_files_and_files_without_ema(tmp_path):
    state = restorer(ema=False).generator.state_dict()
    torch.save({"params": state, "params_ema": state}, tmp_path / "basicsr.pth")
    torch.save({"params": state}, tmp_path / "plain.pth")
    assert load_test_weights(restorer(ema=False), str(tmp_path / "basicsr.pth")) is not None
    assert load_test_weights(restorer(ema=False), str(tmp_path / "plain.pth")) is None
