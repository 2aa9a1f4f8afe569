"""The srzoo command reports a user's mistake in one line (status 1), never a bug."""

import subprocess
import sys
from pathlib import Path

import pytest

from srzoo.cli import report_user_errors
from srzoo.errors import UnknownTypeError

ROOT = Path(__file__).resolve().parents[2]


def test_report_user_errors_prints_one_line_and_exits_1(capsys, monkeypatch):
    monkeypatch.delenv("SRZOO_DEBUG", raising=False)

    def main():
        raise FileNotFoundError("GT folder 'data/x' does not exist")

    assert report_user_errors(main) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "srzoo: error: GT folder 'data/x' does not exist",
        "(set SRZOO_DEBUG=1 for the traceback)",  # an OSError: where it came from may matter
    ]

    def mistake():
        raise UnknownTypeError("'ESRGN' is not registered")

    assert report_user_errors(mistake) == 1
    assert capsys.readouterr().err.splitlines() == [
        "srzoo: error: 'ESRGN' is not registered"
    ]  # srzoo's own message says it all: one line


def test_report_user_errors_debug_keeps_traceback(monkeypatch):
    monkeypatch.setenv("SRZOO_DEBUG", "1")

    def main():
        raise UnknownTypeError("'ESRGN' is not registered")

    with pytest.raises(UnknownTypeError, match="ESRGN"):
        report_user_errors(main)


def test_report_user_errors_lets_programming_errors_through():
    def main():
        raise ZeroDivisionError("bug")

    with pytest.raises(ZeroDivisionError):
        report_user_errors(main)


def test_train_tool_misspelled_type_is_one_clear_line(tmp_path):
    cmd = [sys.executable, str(ROOT / "tools/train.py"), str(ROOT / "configs/esrgan_x4.py"),
           "--work-dir", str(tmp_path), "--cfg-options", "model.type=ESRGN"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "srzoo: error: model.type: 'ESRGN' is not registered" in proc.stderr
    assert "Did you mean: ESRGAN" in proc.stderr
