"""A new architecture is one decorated class: via custom_imports, or an installed plugin."""

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from mmengine.config import Config

from srzoo.registry import BACKBONES, RESTORERS

PLUGIN_SRC = Path(__file__).parent / "plugins" / "srzoo_example_plugin"


def install_plugin(site: Path) -> None:
    """Install the example plugin into ``site`` the way pip lays out a wheel."""
    shutil.copytree(PLUGIN_SRC, site / "srzoo_example_plugin")
    info = site / "srzoo_example_plugin-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: srzoo-example-plugin\nVersion: 0.1.0\n"
    )
    (info / "entry_points.txt").write_text(
        "[srzoo.plugins]\nnearest_net = srzoo_example_plugin.nearest_net\n"
    )


def run_python(code: str, pythonpath: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(pythonpath), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env
    )


def test_entry_point_plugin_is_discovered(tmp_path):
    install_plugin(tmp_path)
    proc = run_python(
        """
        import torch
        import srzoo.models
        from srzoo.registry import BACKBONES, RESTORERS
        from srzoo.plugins import load_plugins
        assert "nearest_net" in load_plugins()
        model = RESTORERS.build(dict(type="SRModel", pixel_loss=dict(type="L1Loss"),
                                     generator=dict(type="NearestConvNet", upscale_factor=2)))
        print(tuple(model.generator(torch.zeros(1, 3, 5, 7)).shape))
        """,
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("(1, 3, 10, 14)")


def test_entry_point_absent_without_install(tmp_path):
    proc = run_python(
        """
        import srzoo.models
        from srzoo.registry import BACKBONES
        print(BACKBONES.get("NearestConvNet"))
        """,
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("None")


def test_custom_imports_registers_user_module(tmp_path, monkeypatch):
    (tmp_path / "my_user_arch.py").write_text(
        textwrap.dedent(
            """
            from torch import nn
            from srzoo.registry import BACKBONES

            @BACKBONES.register_module()
            class MyUserNet(nn.Module):
                def __init__(self, *, upscale_factor: int = 4):
                    super().__init__()
                    self.up = nn.Sequential(nn.Conv2d(3, 3 * upscale_factor**2, 3, padding=1),
                                            nn.PixelShuffle(upscale_factor))

                def forward(self, x):
                    return self.up(x)
            """
        )
    )
    cfg_file = tmp_path / "my_config.py"
    cfg_file.write_text(
        "custom_imports = dict(imports=['my_user_arch'], allow_failed_imports=False)\n"
        "model = dict(type='SRModel', generator=dict(type='MyUserNet', upscale_factor=3),\n"
        "             pixel_loss=dict(type='L1Loss'))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg = Config.fromfile(str(cfg_file))
    model = RESTORERS.build(cfg.model)
    assert type(model.generator).__name__ == "MyUserNet"
    assert model.generator.up[1].upscale_factor == 3


def test_unknown_type_names_registry_and_suggests():
    import srzoo.models  # noqa: F401

    with pytest.raises(KeyError) as info:
        BACKBONES.build(dict(type="RRDBNett"))
    message = str(info.value)
    assert "BACKBONE registry" in message and "Did you mean: RRDBNet" in message
    with pytest.raises(KeyError, match="Did you mean: ESRGAN"):
        RESTORERS.build(dict(type="ESRGANN"))
