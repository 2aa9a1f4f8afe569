"""The start-up data check sees exactly the image the loader decodes: every path (file
formats, EXIF orientation, LMDB with and without shapes, colour types, ModCrop)."""

import struct

import cv2
import numpy as np
import pytest

from srzoo.datasets import DataCheckError, ImageReadError, PairedImageDataset
from srzoo.datasets.decoded import decoded_shape, image_ref
from srzoo.datasets.imresize import imresize
from srzoo.datasets.lmdb_writer import write_lmdb
from srzoo.datasets.transforms.loading import LoadImageFromFile

PIPELINE = [
    dict(type="LoadImageFromFile", key="gt"),
    dict(type="LoadImageFromFile", key="lq"),
    dict(type="PackSRInputs"),
]
RNG = np.random.default_rng(0)


def picture(h, w, c=3):
    return RNG.integers(0, 256, (h, w, c), dtype=np.uint8)


def exif_rotated_jpeg(path, h=20, w=40):
    """A JPEG whose stored grid is h x w, tagged 'rotate 90' (EXIF orientation 6)."""
    jpeg = cv2.imencode(".jpg", picture(h, w))[1].tobytes()
    ifd = struct.pack("<H", 1) + struct.pack("<HHIHH", 0x0112, 3, 1, 6, 0) + b"\0" * 4
    exif = b"Exif\0\0" + b"II*\0" + struct.pack("<I", 8) + ifd
    path.write_bytes(jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif + jpeg[2:])


def os2_bmp(path, h=6, w=10):
    """A BMP with the 12-byte OS/2 header (16-bit width and height)."""
    row = (w * 3 + 3) // 4 * 4
    pixels = b"".join(bytes(picture(1, w).ravel()) + b"\0" * (row - 3 * w) for _ in range(h))
    header = struct.pack("<IHHHH", 12, w, h, 1, 24)
    path.write_bytes(b"BM" + struct.pack("<IHHI", 26 + len(pixels), 0, 0, 26) + header + pixels)


def write(path, img):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), img)


CASES = {
    "png": lambda p: write(p / "x.png", picture(12, 18)),
    "png-grey16": lambda p: write(p / "x.png", picture(12, 18, 1)[..., 0].astype(np.uint16)),
    "png-rgba": lambda p: write(p / "x.png", picture(12, 18, 4)),
    "jpeg-exif-rotated": lambda p: exif_rotated_jpeg(p / "x.jpg"),
    "bmp": lambda p: write(p / "x.bmp", picture(12, 18)),
    "bmp-os2": lambda p: os2_bmp(p / "x.bmp"),
    "tiff": lambda p: write(p / "x.tif", picture(12, 18)),
    "webp": lambda p: write(p / "x.webp", picture(12, 18)),
    "ppm": lambda p: write(p / "x.ppm", picture(12, 18)),
}


@pytest.mark.parametrize("color_type", ["color", "grayscale", "unchanged"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_check_shape_equals_loaded_shape_on_disk(tmp_path, case, color_type):
    CASES[case](tmp_path)
    (path,) = [p for p in tmp_path.iterdir()]
    info = dict(gt_path=str(path))
    loaded = LoadImageFromFile(key="gt", color_type=color_type)(dict(info))["gt"]
    assert decoded_shape(image_ref(info, "gt"), color_type) == loaded.shape
    if case == "jpeg-exif-rotated":  # the stored grid, as the LR was made from
        assert loaded.shape[:2] == (20, 40)


@pytest.mark.parametrize("shapes_listed", [True, False])
@pytest.mark.parametrize("color_type", ["color", "grayscale", "unchanged"])
def test_check_shape_equals_loaded_shape_in_lmdb(tmp_path, shapes_listed, color_type):
    write(tmp_path / "GT" / "a.png", picture(12, 18, 4))
    write_lmdb(str(tmp_path / "GT"), str(tmp_path / "GT.lmdb"))
    if not shapes_listed:  # a meta_info.txt with names only
        (tmp_path / "GT.lmdb" / "meta_info.txt").write_text("a.png\n")
    info = dict(gt_path=str(tmp_path / "GT.lmdb" / "a"), gt_lmdb=str(tmp_path / "GT.lmdb"))
    info["gt_lmdb_key"] = "a"
    loaded = LoadImageFromFile(key="gt", color_type=color_type)(dict(info))["gt"]
    assert decoded_shape(image_ref(info, "gt"), color_type) == loaded.shape


def lmdb_pairs(root, odd_scale=2, names=("moon", "rocket", "sun")):
    """GT 32x40 images; LQ x4, except 'rocket', which is x``odd_scale``; both as LMDBs."""
    for name in names:
        gt = picture(32, 40)
        write(root / "GT" / f"{name}.png", gt)
        write(root / "LQ" / f"{name}.png", imresize(gt, 1 / (odd_scale if name == "rocket" else 4)))
    write_lmdb(str(root / "GT"), str(root / "GT.lmdb"))
    write_lmdb(str(root / "LQ"), str(root / "LQ.lmdb"))
    return dict(data_root=str(root), gt_folder="GT.lmdb", lq_folder="LQ.lmdb", scale=4)


@pytest.mark.parametrize("backend", ["lmdb", "disk"])
def test_an_x2_image_among_x4_is_refused_before_training(tmp_path, backend):
    args = lmdb_pairs(tmp_path)
    if backend == "disk":
        args.update(gt_folder="GT", lq_folder="LQ")
    assert "rocket.png (16,20,3)" in (tmp_path / "LQ.lmdb" / "meta_info.txt").read_text()
    with pytest.raises(DataCheckError, match="(?s)rocket.*LQ/GT sizes do not match.*16x20"):
        PairedImageDataset(**args, pipeline=PIPELINE, backend=backend)
    kept = PairedImageDataset(**args, pipeline=PIPELINE, backend=backend, skip_bad_images=True)
    assert len(kept) == 2
    assert [why for path, why in kept.skipped_images if "rocket" in path]


def test_lmdb_image_smaller_than_the_crop_is_refused(tmp_path):
    args = lmdb_pairs(tmp_path, odd_scale=4)
    pipeline = [*PIPELINE[:2], dict(type="PairedRandomCrop", gt_patch_size=48)]
    with pytest.raises(DataCheckError, match="smaller than the training crop 12x12"):
        PairedImageDataset(**args, pipeline=pipeline, backend="lmdb")


def test_lmdb_key_missing_from_its_meta_info(tmp_path):
    args = lmdb_pairs(tmp_path, odd_scale=4)
    (tmp_path / "names.txt").write_text("moon.png\nsun.png\n")
    meta = tmp_path / "GT.lmdb" / "meta_info.txt"
    meta.write_text("".join(line for line in meta.open() if not line.startswith("sun")))
    with pytest.raises(DataCheckError, match="Key 'sun' is not listed"):
        PairedImageDataset(**args, meta_info_file="names.txt", pipeline=PIPELINE, backend="lmdb")


def test_loader_refuses_an_lmdb_value_that_contradicts_meta_info(tmp_path):
    lmdb_pairs(tmp_path, odd_scale=4)
    meta = tmp_path / "LQ.lmdb" / "meta_info.txt"
    meta.write_text(meta.read_text().replace("rocket.png (8,10,3)", "rocket.png (16,20,3)"))
    info = dict(lq_path="x/rocket", lq_lmdb=str(tmp_path / "LQ.lmdb"), lq_lmdb_key="rocket")
    with pytest.raises(ImageReadError, match="decodes to 8x10 but its meta_info.txt lists 16x20"):
        LoadImageFromFile(key="lq")(info)


def test_exif_rotated_gt_pairs_with_lr_made_from_its_pixels(tmp_path):
    (tmp_path / "GT").mkdir()
    exif_rotated_jpeg(tmp_path / "GT" / "a.jpg", h=20, w=40)
    stored = cv2.imread(str(tmp_path / "GT" / "a.jpg"), cv2.IMREAD_UNCHANGED)
    write(tmp_path / "LQ" / "a.jpg", imresize(stored, 1 / 4))
    ds = PairedImageDataset(
        data_root=str(tmp_path), gt_folder="GT", lq_folder="LQ", scale=4, pipeline=PIPELINE
    )
    sample = ds[0]
    assert tuple(sample["inputs"].shape) == (3, 5, 10)
    assert tuple(sample["data_samples"].gt_img.shape) == (3, 20, 40)


def test_mod_crop_in_the_pipeline_and_channel_mismatch(tmp_path):
    gt = picture(34, 42)
    write(tmp_path / "GT" / "a.png", gt)
    write(tmp_path / "LQ" / "a.png", imresize(gt[:32, :40], 1 / 4))
    args = dict(data_root=str(tmp_path), gt_folder="GT", lq_folder="LQ", scale=4)
    with pytest.raises(DataCheckError, match="GT is 34x42"):
        PairedImageDataset(**args, pipeline=PIPELINE)
    with_mod_crop = [PIPELINE[0], dict(type="ModCrop"), *PIPELINE[1:]]
    assert len(PairedImageDataset(**args, pipeline=with_mod_crop)) == 1
    write(tmp_path / "GT" / "a.png", np.dstack([gt, gt[..., :1]]))  # RGBA GT, RGB LQ
    unchanged = [dict(t, color_type="unchanged") if "key" in t else t for t in with_mod_crop]
    with pytest.raises(DataCheckError, match="GT has 4 channel"):
        PairedImageDataset(**args, pipeline=unchanged)
