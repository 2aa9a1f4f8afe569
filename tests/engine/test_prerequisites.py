"""One check lists every missing prerequisite of a run, once, before anything is built."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from srzoo.engine.launch import load_config
from srzoo.engine.prerequisites import check_prerequisites
from srzoo.errors import PrerequisiteError

ROOT = Path(__file__).resolve().parents[2]
ESRGAN = str(ROOT / "configs/esrgan_x4.py")


def bare_env(tmp_path: Path) -> dict:
    """No VGG19 in the torch hub cache; the test plugins off the path."""
    return dict(os.environ, TORCH_HOME=str(tmp_path / "torch-home"), SRZOO_DEBUG="")


def test_every_missing_prerequisite_in_one_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    cfg = load_config(ESRGAN)
    with pytest.raises(PrerequisiteError) as info:
        check_prerequisites(cfg)
    lines = str(info.value).splitlines()
    assert lines[0] == "6 missing prerequisites:"
    keys = [line.split(":")[0].strip(" -") for line in lines[1:]]
    assert keys == [
        "train_dataloader.dataset.gt_folder",
        "train_dataloader.dataset.lq_folder",
        "val_dataloader.dataset.gt_folder",
        "val_dataloader.dataset.lq_folder",
        "model.perceptual_loss.pretrained",
        "model.pretrained.path",
    ]
    text = str(info.value)
    assert "--cfg-options model.perceptual_loss.pretrained=" in text
    assert "data/DIV2K/DIV2K_train_HR_sub" in text and "data/Set5/HR" in text


def test_pretrained_checkpoint_names_its_key_and_the_stage(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_config(ESRGAN, {"model.perceptual_loss.pretrained": None})
    with pytest.raises(PrerequisiteError, match="model.pretrained.path: checkpoint not found"):
        check_prerequisites(cfg)
    for folder in ("DIV2K/DIV2K_train_HR_sub", "DIV2K/DIV2K_train_LR_bicubic/X4_sub"):
        (tmp_path / "data" / folder).mkdir(parents=True)
    for folder in ("Set5/HR", "Set5/LR_bicubic/X4"):
        (tmp_path / "data" / folder).mkdir(parents=True)
    with pytest.raises(PrerequisiteError) as info:
        check_prerequisites(cfg)
    assert str(info.value).startswith("1 missing prerequisite:")
    assert "model.pretrained=None" in str(info.value)
    assert "train that config first" in str(info.value)
    check_prerequisites(
        load_config(ESRGAN, {"model.pretrained": None, "model.perceptual_loss.pretrained": None})
    )


def test_testing_needs_only_the_test_sets(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_config(ESRGAN)  # no VGG, no pretrained checkpoint: irrelevant to testing
    with pytest.raises(PrerequisiteError) as info:
        check_prerequisites(cfg, training=False)
    text = str(info.value)
    assert text.startswith("12 missing prerequisites:")  # 6 test sets x (GT, LQ)
    assert "perceptual" not in text and "pretrained" not in text


def test_dist_train_reports_them_once_and_last(tmp_path):
    proc = subprocess.run(
        ["bash", str(ROOT / "tools/dist_train.sh"), ESRGAN, "2"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=bare_env(tmp_path),
    )
    assert proc.returncode == 1
    assert proc.stderr.count("missing prerequisites") == 1
    assert "Traceback" not in proc.stderr and "ChildFailedError" not in proc.stderr
    block = proc.stderr[proc.stderr.index("srzoo: error:") :].splitlines()
    assert all(line.startswith("  - ") for line in block[1:])  # the last thing printed


def test_check_flag_passes_when_everything_is_there(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "srzoo.cli", "train", ESRGAN, "--check", "--cfg-options",
         "model.pretrained=None", "model.perceptual_loss.pretrained=None",
         f"train_dataloader.dataset.data_root={tmp_path}",
         f"val_dataloader.dataset.data_root={tmp_path}",
         "train_dataloader.dataset.gt_folder=.", "train_dataloader.dataset.lq_folder=.",
         "val_dataloader.dataset.gt_folder=.", "val_dataloader.dataset.lq_folder=."],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "every prerequisite is in place" in proc.stdout


def test_meta_info_file_and_released_weights_are_checked(tmp_path, monkeypatch):
    """Real-ESRNet x2plus: the DF2K folder exists, its meta-info list and x4plus file do not."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data/DF2K").mkdir(parents=True)
    cfg = load_config(
        str(ROOT / "configs/realesrgan/realesrnet_rrdbnet_4xb12-1000k_df2k-ost_x2.py")
    )
    with pytest.raises(PrerequisiteError) as info:
        check_prerequisites(cfg)
    meta, weights = str(info.value).splitlines()[1:]
    assert meta.startswith(
        "  - train_dataloader.dataset.meta_info_file: file "
        "'data/DF2K/meta_info/meta_info_DF2Kmultiscale+OST_sub.txt' does not exist"
    )
    assert "configs/realesrgan/README.md" in meta  # the family's README describes its data
    assert "pretrained/RealESRGAN_x4plus.pth" in weights and "released weights" in weights
    assert "train that config first" not in weights
    (tmp_path / "data/DF2K/meta_info").mkdir()
    (tmp_path / "data/DF2K/meta_info/meta_info_DF2Kmultiscale+OST_sub.txt").write_text("a.png\n")
    with pytest.raises(PrerequisiteError, match="^1 missing prerequisite:"):
        check_prerequisites(cfg)
