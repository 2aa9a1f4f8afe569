"""tools/prepare_demo_data.py, tools/extract_subimages.py and tools/create_lmdb.py."""

import importlib.util

import cv2
import numpy as np
import pytest

from srzoo.datasets.imresize import imresize


def load_tool(repo_root, name):
    spec = importlib.util.spec_from_file_location(name, repo_root / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_rgb(path):
    return cv2.imread(str(path), cv2.IMREAD_UNCHANGED)[:, :, ::-1]


def test_prepare_demo_data_writes_fixed_split(repo_root, tmp_path, capsys):
    tool = load_tool(repo_root, "prepare_demo_data")
    out = tmp_path / "demo"
    assert tool.main(["--out", str(out)]) == 0
    val = sorted(p.stem for p in (out / "val" / "GT").glob("*.png"))
    train = sorted(p.stem for p in (out / "train" / "GT").glob("*.png"))
    assert val == ["astronaut", "chelsea", "coffee", "grace_hopper"]  # real photos, held out
    assert len(train) >= 3 and not set(train) & set(val)
    assert not {name.split("_s")[0] for name in train} & set(val + ["cat"])  # cat is chelsea
    assert {"camera", "camera_s75", "camera_s50", "text", "text_s75"} <= set(train)
    assert "text_s50" not in train  # its x4 LR would be under the 32-pixel patch
    for split, names in (("val", val), ("train", train)):
        for name in names:
            gt = read_rgb(out / split / "GT" / f"{name}.png")
            assert gt.shape[0] % 4 == 0 and gt.shape[1] % 4 == 0
            for s in (2, 4):
                lr = read_rgb(out / split / f"LRx{s}" / f"{name}.png")
                assert lr.shape == (gt.shape[0] // s, gt.shape[1] // s, 3)
    chelsea = read_rgb(out / "val" / "GT" / "chelsea.png")
    assert chelsea.shape == (300, 448, 3)
    lr4 = read_rgb(out / "val" / "LRx4" / "chelsea.png")
    np.testing.assert_array_equal(lr4, imresize(np.ascontiguousarray(chelsea), 0.25))
    camera = read_rgb(out / "train" / "GT" / "camera.png")
    half = read_rgb(out / "train" / "GT" / "camera_s50.png")
    np.testing.assert_array_equal(half, imresize(np.ascontiguousarray(camera), 0.5))
    assert "val = astronaut, coffee, chelsea, grace_hopper" in capsys.readouterr().out
    # Idempotent: a second run rewrites nothing.
    assert tool.prepare(str(out))["written"] == 0


def test_extract_subimages_positions_and_names(repo_root, tmp_path):
    tool = load_tool(repo_root, "extract_subimages")
    assert tool.starts(1356, 480, 240, 0) == [0, 240, 480, 720, 876]
    assert tool.starts(480, 480, 240, 0) == [0]
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    img = np.random.default_rng(0).integers(0, 256, (50, 70, 3), dtype=np.uint8)
    cv2.imwrite(str(src / "0001x4.png"), img)
    args = [str(src), str(dst), "--crop-size", "32", "--step", "16", "--compression", "0"]
    assert tool.main(args) == 0
    names = sorted(p.name for p in dst.glob("*.png"))
    assert names == [f"0001_s{k:03d}.png" for k in range(1, 3 * 4 + 1)]
    last = cv2.imread(str(dst / "0001_s012.png"))
    np.testing.assert_array_equal(last, img[18:50, 38:70])
    assert tool.main(args) == 1  # refuses to write into a non-empty folder


def test_create_lmdb_tool(repo_root, tmp_path):
    pytest.importorskip("lmdb")
    tool = load_tool(repo_root, "create_lmdb")
    src = tmp_path / "imgs"
    src.mkdir()
    cv2.imwrite(str(src / "x.png"), np.zeros((4, 6, 3), np.uint8))
    assert tool.main([str(src), str(tmp_path / "imgs.lmdb")]) == 0
    meta = (tmp_path / "imgs.lmdb" / "meta_info.txt").read_text()
    assert meta == "x.png (4,6,3) 1\n"
    with pytest.raises(ValueError, match=".lmdb"):
        tool.main([str(src), str(tmp_path / "out")])
