"""Shared test fixtures: the repo root, the vendored reference values, single-threaded torch."""

from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"

torch.set_num_threads(1)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The srzoo checkout."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """``tests/fixtures``: reference values from BasicSR and ``lpips`` (see its README)."""
    return FIXTURES_DIR
