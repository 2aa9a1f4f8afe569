"""LPIPS weight files for the evaluation tests, written in the layouts the real files have.

The fixture's seeded AlexNet trunk (int8 / 256) becomes a torchvision-style
``alexnet-owt-7be5be79.pth`` (``features.*`` plus ``classifier.*`` keys), and the lpips
package's linear layers its ``lpips/weights/v0.1/alex.pth``, so the tests read them with the
production code (``build_lpips`` and ``load_weights``).
"""

import pytest
import torch

from srzoo.evaluation.lpips_net import TORCHVISION_ALEXNET_FILE


@pytest.fixture(scope="session")
def lpips_reference(fixtures_dir) -> dict:
    """tests/fixtures/lpips_reference.pt (see tests/fixtures/README.md)."""
    return torch.load(fixtures_dir / "lpips_reference.pt", weights_only=True)


@pytest.fixture(scope="session")
def lpips_trunk(lpips_reference) -> dict:
    """The fixture's trunk as float tensors, keyed like ``alexnet().features`` (``0.weight``)."""
    return {k: v.float() / 256 for k, v in lpips_reference["alexnet_features_int8"].items()}


@pytest.fixture(scope="session")
def lpips_files(lpips_reference, lpips_trunk, tmp_path_factory) -> tuple:
    """(AlexNet file, linear-layer file) paths, in a folder of their own."""
    folder = tmp_path_factory.mktemp("lpips")
    trunk = {f"features.{k}": v for k, v in lpips_trunk.items()}
    trunk.update({"classifier.6.weight": torch.zeros(10, 4), "classifier.6.bias": torch.zeros(10)})
    alexnet = folder / TORCHVISION_ALEXNET_FILE
    lin = folder / "lpips" / "weights" / "v0.1" / "alex.pth"
    lin.parent.mkdir(parents=True)
    torch.save(trunk, alexnet)
    torch.save(lpips_reference["lpips_lin_alex_v0.1"], lin)
    return alexnet, lin
