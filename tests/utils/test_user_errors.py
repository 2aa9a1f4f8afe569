"""The command-line tools report a user's mistake in one line, without a traceback."""

import subprocess
import sys
from pathlib import Path

import pytest

from srzoo.utils.registry_hint import UnknownTypeError
from srzoo.utils.user_errors import run_tool

ROOT = Path(__file__).resolve().parents[2]


def test_run_tool_prints_one_line_and_exits_1(capsys, monkeypatch):
    monkeypatch.delenv("SRZOO_DEBUG", raising=False)

    def main():
        raise FileNotFoundError("GT folder 'data/x' does not exist")

    with pytest.raises(SystemExit) as info:
        run_tool(main)
    assert info.value.code == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "srzoo: error: GT folder 'data/x' does not exist"


def test_run_tool_debug_keeps_traceback(monkeypatch):
    monkeypatch.setenv("SRZOO_DEBUG", "1")

    def main():
        raise UnknownTypeError("'ESRGN' is not registered")

    with pytest.raises(UnknownTypeError, match="ESRGN"):
        run_tool(main)


def test_run_tool_lets_programming_errors_through():
    def main():
        raise ZeroDivisionError("bug")

    with pytest.raises(ZeroDivisionError):
        run_tool(main)


def test_train_tool_misspelled_type_is_one_clear_line(tmp_path):
    cmd = [sys.executable, str(ROOT / "tools/train.py"), str(ROOT / "configs/esrgan_x4.py"),
           "--work-dir", str(tmp_path), "--cfg-options", "model.type=ESRGN"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "srzoo: error: model.type: 'ESRGN' is not registered" in proc.stderr
    assert "Did you mean: ESRGAN" in proc.stderr
