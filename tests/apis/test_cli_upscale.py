"""The ``srzoo`` command: upscale (files, folders, globs, bad files), convert, export."""

import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch

import srzoo.models  # noqa: F401
from srzoo.checkpoint import load_checkpoint_file
from srzoo.cli import main
from srzoo.registry import BACKBONES

ARCH = dict(type="RRDBNet", mid_channels=8, num_blocks=1, growth_channels=4)


def generator(seed=0):
    torch.manual_seed(seed)
    return BACKBONES.build(ARCH).eval()


@pytest.fixture()
def ckpt(tmp_path):
    path = tmp_path / "model.pth"
    torch.save({"params_ema": generator().state_dict()}, path)
    return path


def write_images(folder, names):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for name in names:
        cv2.imwrite(str(folder / name), rng.integers(0, 256, (8, 10, 3), dtype=np.uint8))


def test_folder_with_one_corrupt_file(tmp_path, ckpt, capsys):
    inputs = tmp_path / "in"
    write_images(inputs, ["a.png", "c.png"])
    (inputs / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    (inputs / "notes.txt").write_text("not an image, skipped")
    code = main(["upscale", str(inputs), "-o", str(tmp_path / "out"), "--model", str(ckpt)])
    assert code == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.png", "c.png"]
    assert cv2.imread(str(tmp_path / "out" / "a.png")).shape == (32, 40, 3)
    err = capsys.readouterr().err
    assert "b.png" in err and err.count("error:") == 1
    assert "wrote 2 of 3" in err


def test_files_globs_suffix_and_tiles(tmp_path, ckpt, capsys):
    write_images(tmp_path / "x", ["one.png", "two.png"])
    write_images(tmp_path / "y", ["three.png"])
    out = tmp_path / "out"
    argv = ["upscale", str(tmp_path / "x" / "*.png"), str(tmp_path / "y" / "three.png")]
    argv += ["-o", str(out), "--model", str(ckpt), "--suffix", "_x4", "--tile", "8", "--quiet"]
    assert main(argv) == 0
    assert sorted(p.name for p in out.iterdir()) == ["one_x4.png", "three_x4.png", "two_x4.png"]


def test_missing_input_and_single_output_file(tmp_path, ckpt, capsys):
    write_images(tmp_path, ["a.png"])
    argv = ["upscale", str(tmp_path / "a.png"), str(tmp_path / "nope*.png")]
    assert main([*argv, "-o", str(tmp_path / "o" / "sr.png"), "--model", str(ckpt)]) == 1
    assert (tmp_path / "o" / "sr.png").is_file()
    err = capsys.readouterr().err
    assert f"srzoo: error: {tmp_path / 'nope*.png'}: no file matches this pattern" in err
    assert "wrote 1 of 1 image(s)" in err and "; 1 input(s) gave no image" in err


def test_inputs_that_give_nothing_say_why_in_one_line(tmp_path, ckpt, capsys):
    (tmp_path / "empty").mkdir()
    argv = ["upscale", str(tmp_path / "empty"), str(tmp_path / "gone.png")]
    argv += ["-o", str(tmp_path / "o")]
    assert main([*argv, "--model", str(ckpt)]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("srzoo: error: nothing to upscale: ")
    assert "empty: no images (" in line and "gone.png: no such file or folder" in line
    assert not (tmp_path / "o").exists()


def test_refuses_to_overwrite_inputs_and_bad_model(tmp_path, ckpt, capsys):
    write_images(tmp_path, ["a.png"])
    assert (
        main(["upscale", str(tmp_path / "a.png"), "-o", str(tmp_path), "--model", str(ckpt)]) == 1
    )
    assert "overwrite the input" in capsys.readouterr().err
    code = main(["upscale", str(tmp_path / "a.png"), "-o", str(tmp_path), "--model", "none.pth"])
    assert code == 1 and "none.pth" in capsys.readouterr().err


def test_convert_export_interpolate(tmp_path, ckpt):
    a, b = generator(1).state_dict(), generator(2).state_dict()
    torch.save({"params": a}, tmp_path / "psnr.pth")
    torch.save({"state_dict": {"generator." + k: v for k, v in b.items()}}, tmp_path / "gan.pth")
    assert (
        main(["convert", str(tmp_path / "gan.pth"), "-o", str(tmp_path / "gan_basicsr.pth")]) == 0
    )
    converted = load_checkpoint_file(tmp_path / "gan_basicsr.pth")["params"]
    assert all(torch.equal(converted[k], b[k]) for k in b)
    argv = ["interpolate", str(tmp_path / "psnr.pth"), str(tmp_path / "gan.pth"), "--alpha", "0.5"]
    assert main([*argv, "-o", str(tmp_path / "mid.safetensors")]) == 0
    mid = load_checkpoint_file(tmp_path / "mid.safetensors")
    torch.testing.assert_close(
        mid["conv_first.weight"], (a["conv_first.weight"] + b["conv_first.weight"]) / 2
    )
    assert mid["__metadata__"]["arch"] == "RRDBNet"
    out = tmp_path / "g.safetensors"
    assert main(["export", str(ckpt), "--format", "safetensors", "-o", str(out)]) == 0
    assert load_checkpoint_file(out)["__metadata__"]["scale"] == "4"
    assert main(["export", str(tmp_path / "missing.pth"), "--format", "pth", "-o", str(out)]) == 1


def test_tools_scripts_are_thin_wrappers(repo_root, tmp_path, ckpt):
    write_images(tmp_path / "in", ["a.png"])
    cmd = [sys.executable, str(repo_root / "tools" / "infer.py"), str(tmp_path / "in")]
    cmd += ["-o", str(tmp_path / "out"), "--model", str(ckpt)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "a.png").is_file()
    assert "100%" in result.stderr  # the progress bar
    for tool in ("infer", "convert_checkpoint", "export", "interpolate"):
        assert len((repo_root / "tools" / f"{tool}.py").read_text().splitlines()) < 100


def test_progress_shows_the_tiles_of_a_tiled_image(tmp_path, ckpt, capsys):
    """An image cut into tiles shows ``tile i/n`` beside the per-image bar; one pass does not."""
    write_images(tmp_path / "in", ["a.png"])  # 8 x 10 LR: tiles of 4 -> 2 x 3 = 6
    argv = ["upscale", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--model", str(ckpt)]
    assert main([*argv, "--tile", "4", "--tile-overlap", "16"]) == 0
    assert "tile 6/6" in capsys.readouterr().err
    assert main(argv) == 0  # the default tile: one pass
    assert "tile 1/" not in capsys.readouterr().err
