"""Transforms: loading (and every corrupt-file case), crops, flips, degradation, packing."""

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import BaseDataElement

import srzoo.datasets  # noqa: F401  (registers the transforms)
from srzoo.datasets.image_io import ImageReadError
from srzoo.datasets.imresize import imresize
from srzoo.datasets.transforms import (
    BicubicDegrade,
    LoadImageFromFile,
    ModCrop,
    PackSRInputs,
    PairedFlipRot,
    PairedRandomCrop,
    RandomCropGT,
)
from srzoo.registry import TRANSFORMS


def rgb_image(h=12, w=10):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


def write_rgb(path, rgb):
    assert cv2.imwrite(str(path), np.ascontiguousarray(rgb[:, :, ::-1]))
    return str(path)


def nearest_up(img, s):
    return np.repeat(np.repeat(img, s, axis=0), s, axis=1)


# ---- loading -------------------------------------------------------------------------------


def test_load_colour_returns_rgb(tmp_path):
    rgb = rgb_image()
    path = write_rgb(tmp_path / "a.png", rgb)
    out = LoadImageFromFile(key="gt")({"gt_path": path})
    np.testing.assert_array_equal(out["gt"], rgb)
    assert out["gt"].dtype == np.uint8 and out["ori_gt_shape"] == (12, 10, 3)
    bgr = LoadImageFromFile(key="gt", channel_order="bgr")({"gt_path": path})["gt"]
    np.testing.assert_array_equal(bgr, rgb[:, :, ::-1])


def test_load_grayscale_and_unchanged_alpha(tmp_path):
    path = str(tmp_path / "rgba.png")
    rgba = np.dstack([rgb_image(), np.full((12, 10), 7, np.uint8)])
    cv2.imwrite(path, rgba[:, :, [2, 1, 0, 3]])
    gray = LoadImageFromFile(key="lq", color_type="grayscale")({"lq_path": path})["lq"]
    assert gray.shape == (12, 10, 1)
    unchanged = LoadImageFromFile(key="lq", color_type="unchanged")({"lq_path": path})["lq"]
    np.testing.assert_array_equal(unchanged, rgba)


def test_load_16bit_and_float32(tmp_path):
    img16 = (rgb_image().astype(np.uint16) * 257)[:, :, ::-1]
    path = str(tmp_path / "deep.png")
    cv2.imwrite(path, np.ascontiguousarray(img16))
    out = LoadImageFromFile()({"gt_path": path})["gt"]
    assert out.dtype == np.uint16 and out.max() > 255
    as_float = LoadImageFromFile(to_float32=True)({"gt_path": path})["gt"]
    assert as_float.dtype == np.float32
    np.testing.assert_allclose(as_float, rgb_image().astype(np.float32))


def test_missing_file_names_it(tmp_path):
    path = str(tmp_path / "nope.png")
    with pytest.raises(ImageReadError) as err:
        LoadImageFromFile()({"gt_path": path})
    assert path in str(err.value) and "not found" in str(err.value)


def test_empty_file_names_it(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(ImageReadError) as err:
        LoadImageFromFile()({"gt_path": str(path)})
    assert str(path) in str(err.value) and "empty" in str(err.value)


@pytest.mark.parametrize("ext", [".png", ".jpg"])
def test_truncated_file_names_it(tmp_path, ext):
    path = tmp_path / f"cut{ext}"
    ok, buf = cv2.imencode(ext, rgb_image(64, 64))
    path.write_bytes(buf.tobytes()[: len(buf) // 2])
    with pytest.raises(ImageReadError) as err:
        LoadImageFromFile()({"gt_path": str(path)})
    assert str(path) in str(err.value) and "truncated" in str(err.value)


def test_text_in_png_names_it(tmp_path):
    path = tmp_path / "fake.png"
    path.write_text("this is not an image\n")
    with pytest.raises(ImageReadError) as err:
        LoadImageFromFile()({"gt_path": str(path)})
    assert str(path) in str(err.value) and "not a recognised image" in str(err.value)
    assert isinstance(err.value, OSError) and isinstance(err.value, ValueError)


def test_wrong_extension_names_it(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(ImageReadError) as err:
        LoadImageFromFile()({"gt_path": str(path)})
    assert str(path) in str(err.value) and ".txt" in str(err.value)


# ---- crops -----------------------------------------------------------------------------------


def test_paired_random_crop_is_aligned():
    lq = rgb_image(10, 12)
    res = PairedRandomCrop(gt_patch_size=16)(
        {"lq": lq, "gt": nearest_up(lq, 4), "scale": 4, "lq_path": "l", "gt_path": "g"}
    )
    assert res["lq"].shape == (4, 4, 3) and res["gt"].shape == (16, 16, 3)
    np.testing.assert_array_equal(res["gt"], nearest_up(res["lq"], 4))


def test_paired_crop_scale_mismatch_names_both_files():
    results = {"lq": rgb_image(10, 12), "gt": rgb_image(39, 48), "scale": 4}
    results.update(lq_path="data/LR/x.png", gt_path="data/GT/x.png")
    with pytest.raises(ValueError) as err:
        PairedRandomCrop(gt_patch_size=16)(results)
    msg = str(err.value)
    for part in ("data/LR/x.png", "data/GT/x.png", "(39, 48)", "(10, 12)", "scale=4"):
        assert part in msg


def test_paired_crop_lq_smaller_than_patch_names_file():
    lq = rgb_image(6, 20)
    results = {"lq": lq, "gt": nearest_up(lq, 4), "scale": 4, "lq_path": "small_lq.png"}
    with pytest.raises(ValueError) as err:
        PairedRandomCrop(gt_patch_size=32)(results)
    assert "small_lq.png" in str(err.value) and "6x20" in str(err.value)
    assert "8x8" in str(err.value)


def test_random_crop_gt_and_error():
    out = RandomCropGT(gt_patch_size=8)({"gt": rgb_image(12, 10)})
    assert out["gt"].shape == (8, 8, 3)
    with pytest.raises(ValueError, match="tiny.png"):
        RandomCropGT(gt_patch_size=16)({"gt": rgb_image(12, 10), "gt_path": "tiny.png"})


def test_mod_crop_and_bicubic_degrade():
    gt = rgb_image(30, 41)
    assert ModCrop()({"gt": gt, "scale": 4})["gt"].shape == (28, 40, 3)
    res = BicubicDegrade()({"gt": gt, "scale": 4, "gt_path": "g.png"})
    assert res["gt"].shape == (28, 40, 3) and res["lq"].shape == (7, 10, 3)
    assert res["lq"].dtype == np.uint8 and res["lq_path"] == "g.png"
    np.testing.assert_array_equal(res["lq"], imresize(gt[:28, :40], 0.25))


# ---- flips -----------------------------------------------------------------------------------


def test_flip_rot_is_identical_on_lq_and_gt():
    lq = rgb_image(6, 5)
    seen = set()
    np.random.seed(0)
    for _ in range(64):
        res = PairedFlipRot()({"lq": lq.copy(), "gt": nearest_up(lq, 2)})
        np.testing.assert_array_equal(res["gt"], nearest_up(res["lq"], 2))
        seen.add(res["flip_rot"])
        if res["flip_rot"][2]:
            assert res["lq"].shape == (5, 6, 3)
    assert len(seen) == 8


def test_flip_rot_operations():
    img = np.arange(6).reshape(2, 3, 1)
    np.testing.assert_array_equal(PairedFlipRot.apply(img, True, False, False)[0, :, 0], [2, 1, 0])
    np.testing.assert_array_equal(PairedFlipRot.apply(img, False, True, False)[0, :, 0], [3, 4, 5])
    assert PairedFlipRot.apply(img, False, False, True).shape == (3, 2, 1)
    off = PairedFlipRot(hflip=False, vflip=False, rot90=False)({"lq": img})
    np.testing.assert_array_equal(off["lq"], img)


# ---- packing ---------------------------------------------------------------------------------


def test_pack_shapes_dtypes_and_meta():
    lq, gt = rgb_image(4, 5), rgb_image(16, 20)
    packed = PackSRInputs()(
        {"lq": lq, "gt": gt, "scale": 4, "lq_path": "LR/b.png", "gt_path": "GT/b.png"}
    )
    inputs, sample = packed["inputs"], packed["data_samples"]
    assert inputs.dtype == torch.float32 and inputs.shape == (3, 4, 5)
    assert torch.equal(inputs, torch.from_numpy(lq.transpose(2, 0, 1).astype(np.float32)))
    assert isinstance(sample, BaseDataElement)
    assert sample.gt_img.shape == (3, 16, 20) and sample.gt_img.dtype == torch.float32
    assert 0 <= sample.gt_img.min() and sample.gt_img.max() <= 255
    assert sample.img_name == "b" and sample.scale == 4 and sample.ori_lq_shape == (4, 5, 3)
    assert sample.lq_path == "LR/b.png" and sample.gt_path == "GT/b.png"


def test_pack_16bit_and_without_gt():
    lq16 = np.full((2, 3, 3), 65535, np.uint16)
    packed = PackSRInputs()({"lq": lq16, "lq_path": "c.png"})
    assert torch.allclose(packed["inputs"], torch.full((3, 2, 3), 255.0))
    assert "gt_img" not in packed["data_samples"]
    assert packed["data_samples"].img_name == "c"


def test_transforms_build_from_registry():
    crop = TRANSFORMS.build(dict(type="PairedRandomCrop", gt_patch_size=8))
    assert isinstance(crop, PairedRandomCrop)
    with pytest.raises(KeyError, match="PairedRandomCrop"):
        TRANSFORMS.build(dict(type="PairedRandomCorp", gt_patch_size=8))


def test_load_cache_decodes_once_and_hands_out_copies(tmp_path, monkeypatch):
    import srzoo.datasets.transforms.loading as loading

    path = tmp_path / "img.png"
    cv2.imwrite(str(path), np.full((4, 5, 3), 7, np.uint8))
    calls = []
    real = loading.decode_image
    monkeypatch.setattr(loading, "decode_image", lambda *a: calls.append(a) or real(*a))
    load = loading.LoadImageFromFile(key="gt", cache=True)
    first = load(dict(gt_path=str(path)))["gt"]
    first[:] = 0  # a transform writing into its array must not poison the cache
    second = load(dict(gt_path=str(path)))["gt"]
    assert len(calls) == 1
    assert second.shape == (4, 5, 3) and (second == 7).all()
