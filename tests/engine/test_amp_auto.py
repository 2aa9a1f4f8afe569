"""--amp auto: bf16 + channels_last where bf16 is native (torch's own queries), else fp32."""

import pytest
import torch
from mmengine.config import Config

from srzoo.engine import amp, launch


def gan_config() -> Config:
    return Config(
        dict(
            model=dict(type="SRGAN"),
            optim_wrapper=dict(
                constructor="MultiOptimWrapperConstructor",
                generator=dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-4)),
                discriminator=dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-4)),
            ),
        )
    )


@pytest.mark.parametrize(
    "avx512_bf16, amx, expected",
    [(True, False, "bf16"), (False, True, "bf16"), (False, False, None)],
)
def test_auto_follows_the_cpu_queries(monkeypatch, avx512_bf16, amx, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)
    choice, why = launch.choose_amp()
    assert choice == expected
    assert ("bf16 autocast + channels_last" in why) == (expected == "bf16")
    assert "torch.cpu capability queries" in why
    cfg = gan_config()
    launch.apply_amp(cfg, "auto")
    types = {w["type"] for k, w in cfg.optim_wrapper.items() if k != "constructor"}
    if expected == "bf16":
        assert types == {"MixedPrecisionOptimWrapper"} and cfg.model.channels_last is True
        assert cfg.optim_wrapper.generator.dtype == "bfloat16"
    else:
        assert types == {"OptimWrapper"} and "channels_last" not in cfg.model


def test_cuda_uses_torch_cuda_query(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    assert amp.native_bf16("cuda") == (False, "torch.cuda.is_bf16_supported() is False")


def test_this_machine_reports_its_answer():
    native, why = amp.native_bf16("cpu")
    assert native == (torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    assert why
