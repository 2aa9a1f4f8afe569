"""docs/add_a_model.md stays true: its class and config build and run as written."""

import re
from pathlib import Path

import torch
from mmengine.config import Config

import srzoo.models  # noqa: F401
from srzoo.registry import RESTORERS

ROOT = Path(__file__).resolve().parents[1]


def test_add_a_model_walkthrough_builds(tmp_path, monkeypatch):
    doc = (ROOT / "docs/add_a_model.md").read_text()
    arch, config = re.findall(r"```python\n(.*?)```", doc, re.S)[:2]
    (tmp_path / "my_arch.py").write_text(arch)
    config = config.replace('_base_ = ["./demo/', f'_base_ = ["{ROOT}/configs/demo/')
    (tmp_path / "my_tiny_espcn_demo.py").write_text(config)
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg = Config.fromfile(str(tmp_path / "my_tiny_espcn_demo.py"))
    model = RESTORERS.build(cfg.model)
    assert type(model.generator).__name__ == "TinyESPCN"
    assert model.generator(torch.rand(1, 3, 6, 5)).shape == (1, 3, 24, 20)
