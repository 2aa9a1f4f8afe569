"""LPIPS (AlexNet, v0.1) equals the ``lpips`` package (tests/fixtures/lpips_reference.pt).

The fixture's seeded trunk and the package's linear layers are written to files in the
layouts the real files have (``lpips_files`` in conftest.py), then read by the same code as
in production (``build_lpips`` / the ``LPIPS`` metric, through ``load_weights``).
"""

import importlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import srzoo.evaluation  # noqa: F401  (registers the metrics)
from srzoo.errors import WeightsError
from srzoo.evaluation import lpips_net
from srzoo.evaluation.lpips_net import build_lpips, weight_paths
from srzoo.registry import METRICS

TOL = 1e-5


def test_lpips_equals_the_lpips_package(lpips_reference, lpips_files):
    net = build_lpips(*map(str, lpips_files))
    values = []
    with torch.no_grad():
        for x, y in lpips_reference["pairs"]:
            values.append(float(net(x * 2 - 1, y * 2 - 1)[0]))
    assert values == pytest.approx(lpips_reference["lpips"], abs=TOL)
    assert values[0] == 0.0 and min(values[1:]) > 1e-3


def test_features_only_trunk_file_loads_too(lpips_reference, lpips_trunk, lpips_files, tmp_path):
    bare = tmp_path / "alex_features.pth"
    torch.save(lpips_trunk, bare)  # keys "0.weight", ... (alexnet().features)
    x, y = lpips_reference["pairs"][2]
    with torch.no_grad():
        value = build_lpips(str(bare), str(lpips_files[1]))(x * 2 - 1, y * 2 - 1)
    assert float(value[0]) == pytest.approx(lpips_reference["lpips"][2], abs=TOL)


def test_metric_rounds_output_crops_and_matches_the_network(lpips_reference, lpips_files):
    alexnet, lin = map(str, lpips_files)
    metric = METRICS.build(
        dict(type="LPIPS", alexnet_weights=alexnet, lin_weights=lin, crop_border=4)
    )
    x, y = lpips_reference["pairs"][1]
    pred, gt = (x[0] * 255).round(), (y[0] * 255).round()
    metric.process({}, [{"pred_img": pred + 0.3, "gt_img": gt, "img_name": "a"}])
    metric.process({"data_samples": [{"gt_img": gt}]}, [{"pred_img": gt}])
    net = build_lpips(alexnet, lin)
    with torch.no_grad():
        expected = float(net(*(t[None, :, 4:-4, 4:-4] / 255 * 2 - 1 for t in (pred, gt)))[0])
    assert metric.results[0]["LPIPS"] == pytest.approx(expected, abs=1e-6)
    assert metric.results[1]["LPIPS"] == 0.0
    assert metric.compute_metrics(metric.results) == {"LPIPS": pytest.approx(expected / 2)}
    assert metric.conventions() == {"LPIPS": "AlexNet v0.1, RGB, border 4"}


def test_missing_weights_say_so_or_raise(tmp_path):
    alexnet = tmp_path / "none" / lpips_net.TORCHVISION_ALEXNET_FILE
    metric = METRICS.build(dict(type="LPIPS", alexnet_weights=str(alexnet), lin_weights="x"))
    metric.process({}, [{"pred_img": torch.zeros(3, 8, 8), "gt_img": torch.zeros(3, 8, 8)}])
    assert metric.compute_metrics(metric.results) == {
        "LPIPS": f"n/a: no AlexNet weights at {alexnet}"
    }
    with pytest.raises(FileNotFoundError, match="no AlexNet weights at"):
        METRICS.build(dict(type="LPIPS", alexnet_weights=str(alexnet), if_missing="raise"))
    with pytest.raises(ValueError, match="if_missing"):
        METRICS.build(dict(type="LPIPS", if_missing="skip"))


def test_other_weights_are_refused(lpips_reference, lpips_files, tmp_path):
    wrong = tmp_path / "vgg.pth"
    torch.save(
        {"features.0.weight": torch.zeros(64, 3, 3, 3), "features.0.bias": torch.zeros(64)}, wrong
    )
    with pytest.raises(WeightsError, match="vgg.pth"):
        build_lpips(str(wrong), str(lpips_files[1]))
    with pytest.raises(WeightsError, match="alex"):
        build_lpips(str(lpips_files[0]), str(lpips_files[0]))  # trunk given as lin layers


def test_default_paths_hub_cache_and_installed_package(lpips_files, tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    monkeypatch.setattr(sys, "path", [p for p in sys.path if "site-packages" not in p])
    trunk, lin = weight_paths()
    assert trunk == tmp_path / "hub" / "checkpoints" / "alexnet-owt-7be5be79.pth"
    assert lin == tmp_path / "hub" / "checkpoints" / "lpips_alex_v0.1.pth"
    package = lpips_files[1].parents[2]  # <folder>/lpips, holding weights/v0.1/alex.pth
    (package / "__init__.py").write_text("raise ImportError('srzoo must not import lpips')\n")
    # Prepend to the replacement list monkeypatch restores: syspath_prepend would save this
    # site-packages-free list and write it back over the real sys.path at teardown.
    sys.path.insert(0, str(package.parent))
    importlib.invalidate_caches()
    assert weight_paths()[1] == lpips_files[1]
    assert weight_paths(lin="~/lin.pth")[1] == Path.home() / "lin.pth"
    assert "lpips" not in sys.modules


def test_no_torchvision_or_lpips_import():
    code = (
        "import sys, srzoo.evaluation; from srzoo.evaluation.lpips_net import weight_paths; "
        "weight_paths(); print(sorted({'torchvision', 'lpips'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_grey_images_are_scored_as_rgb(lpips_reference, lpips_files):
    alexnet, lin = map(str, lpips_files)
    metric = METRICS.build(dict(type="LPIPS", alexnet_weights=alexnet, lin_weights=lin))
    grey = torch.from_numpy(np.random.default_rng(0).integers(0, 256, (1, 64, 64))).float()
    metric.process({}, [{"pred_img": grey, "gt_img": grey.flip(-1)}])
    metric.process(
        {}, [{"pred_img": grey.repeat(3, 1, 1), "gt_img": grey.flip(-1).repeat(3, 1, 1)}]
    )
    assert metric.results[0]["LPIPS"] == pytest.approx(metric.results[1]["LPIPS"], abs=1e-7)
