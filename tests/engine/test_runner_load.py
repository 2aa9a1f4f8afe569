"""load_weights (SRRunner's loader) fills DDP-wrapped GAN parts (mmengine's loader did not)."""

import socket

import pytest
import torch
import torch.distributed as dist
from mmengine.model import MMSeparateDistributedDataParallel
from mmengine.runner.checkpoint import _load_checkpoint_to_model

import srzoo.models  # noqa: F401
from srzoo.checkpoint import load_weights
from srzoo.registry import RESTORERS

G = dict(type="RRDBNet", mid_channels=8, num_blocks=1, growth_channels=4, upscale_factor=4)
D = dict(type="SRGANDiscriminator", mid_channels=4, input_size=32)


def make_gan(seed: int):
    torch.manual_seed(seed)
    return RESTORERS.build(
        dict(
            type="SRGAN",
            generator=G,
            discriminator=D,
            gan_loss=dict(type="GANLoss", gan_type="vanilla"),
            pixel_loss=dict(type="L1Loss"),
        )
    )


@pytest.fixture
def process_group():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=0, world_size=1)
    yield
    dist.destroy_process_group()


def test_checkpoint_loads_into_ddp_wrapped_generator_and_discriminator(process_group):
    saved = make_gan(0)
    saved.step_counter.fill_(5)
    checkpoint = dict(state_dict=saved.state_dict())
    weight = saved.generator.conv_first.weight
    # The trap: mmengine's loader unwraps DDP itself and the weights stay as initialised.
    trap = MMSeparateDistributedDataParallel(module=make_gan(1), device_ids=None).module
    _load_checkpoint_to_model(trap, dict(checkpoint))
    # (.cpu(): with CUDA the wrapper moved the restorer to the GPU)
    assert not torch.equal(trap.generator.module.conv_first.weight.cpu(), weight)
    inner = MMSeparateDistributedDataParallel(module=make_gan(1), device_ids=None).module
    result = load_weights(inner, checkpoint, prefix="", strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    # saved without '.module.' (the restorer's hook)
    loaded = {k: v.cpu() for k, v in inner.state_dict().items()}
    assert loaded.keys() == checkpoint["state_dict"].keys()
    assert all(torch.equal(loaded[k], v) for k, v in checkpoint["state_dict"].items())
    assert torch.equal(inner.generator.module.conv_first.weight.cpu(), weight)
    assert inner.step == 5  # the schedule position came back too
