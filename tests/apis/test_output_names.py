"""``srzoo upscale`` output names: globs keep their folders, collisions stop the command
naming both inputs, and the printed count is the number of files that exist."""

import os

import cv2
import numpy as np
import pytest
from torch import nn

from srzoo.apis.inference import Upscaler
from srzoo.cli import main


@pytest.fixture(autouse=True)
def identity_model(monkeypatch):
    """``--model`` loads an identity generator (scale 1): the output equals the input."""
    monkeypatch.setattr(Upscaler, "from_checkpoint", lambda *a, **k: Upscaler(nn.Identity()))


def write(path, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.full((6, 8, 3), value, np.uint8))


def upscale(*argv):
    return main(["upscale", *map(str, argv), "--model", "m.pth", "--quiet"])


def files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_recursive_glob_keeps_folders(tmp_path, capsys, monkeypatch):
    write(tmp_path / "scans" / "day1" / "page.png", 10)
    write(tmp_path / "scans" / "day2" / "page.png", 20)
    monkeypatch.chdir(tmp_path)
    assert upscale("scans/**/*.png", "-o", "out") == 0
    assert files(tmp_path / "out") == ["day1/page.png", "day2/page.png"]
    assert cv2.imread("out/day1/page.png")[0, 0, 0] == 10
    assert cv2.imread("out/day2/page.png")[0, 0, 0] == 20
    assert "wrote 2 of 2" in capsys.readouterr().err


def test_two_folders_with_one_name_stop_naming_both(tmp_path, capsys):
    write(tmp_path / "day1" / "page.png", 10)
    write(tmp_path / "day2" / "page.png", 20)
    assert upscale(tmp_path / "day1", tmp_path / "day2", "-o", tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert str(tmp_path / "day1" / "page.png") in err and str(tmp_path / "day2" / "page.png") in err
    assert "collide" in err and "wrote" not in err
    assert not (tmp_path / "out").exists()


def test_same_stem_with_ext_override_collides(tmp_path, capsys):
    write(tmp_path / "in" / "a.png", 10)
    write(tmp_path / "in" / "a.bmp", 20)
    assert upscale(tmp_path / "in", "-o", tmp_path / "out", "--ext", "png") == 1
    err = capsys.readouterr().err
    assert "a.png" in err and "a.bmp" in err
    assert not (tmp_path / "out").exists()


def test_output_that_would_overwrite_another_input(tmp_path, capsys):
    write(tmp_path / "in" / "a.png", 10)
    write(tmp_path / "in" / "a_x4.png", 20)
    assert upscale(tmp_path / "in", "-o", tmp_path / "in", "--suffix", "_x4") == 1
    assert "overwrite the input" in capsys.readouterr().err
    assert cv2.imread(str(tmp_path / "in" / "a_x4.png"))[0, 0, 0] == 20  # untouched
    assert files(tmp_path / "in") == ["a.png", "a_x4.png"]


def test_one_file_named_twice_is_written_once(tmp_path, capsys):
    write(tmp_path / "in" / "a.png", 10)
    assert upscale(tmp_path / "in", tmp_path / "in" / "a.png", "-o", tmp_path / "out") == 0
    assert files(tmp_path / "out") == ["a.png"]
    assert "wrote 1 of 1" in capsys.readouterr().err


def test_outputs_that_are_one_file_on_disk_are_not_overwritten(tmp_path, capsys):
    """Distinct names that reach one file (a case-insensitive disk, a link): the second
    image fails, the first stays, and the count says one file."""
    write(tmp_path / "in" / "a.png", 10)
    write(tmp_path / "in" / "b.png", 20)
    (tmp_path / "out").mkdir()
    os.symlink(tmp_path / "out" / "a.png", tmp_path / "out" / "b.png")
    assert upscale(tmp_path / "in", "-o", tmp_path / "out") == 1
    assert cv2.imread(str(tmp_path / "out" / "a.png"))[0, 0, 0] == 10
    err = capsys.readouterr().err
    assert "same file" in err and "wrote 1 of 2" in err
