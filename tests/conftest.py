"""Shared test fixtures: the repo root, ../shared, and a quiet single-threaded torch."""

from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"

torch.set_num_threads(1)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The srzoo checkout."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """``../shared/fixtures``: reference values from BasicSR (see its README)."""
    path = SHARED_DIR / "fixtures"
    if not path.is_dir():
        pytest.fail(f"reference fixtures not found at {path}; CI clones srzoo beside shared/")
    return path
