"""``srzoo pd``: the blends' table equals plain evaluations at alpha 0 and 1, and a PNG.

Two random demo generators (the PSNR config's SRModel and the ESRGAN config's, with its
EMA copy) and three photo crops written in tmp_path; the evaluator is SRMetrics, NIQE and
LPIPS (with the lpips fixture's weights, written as the real files are laid out).
"""

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

import srzoo.evaluation  # noqa: F401
import srzoo.models  # noqa: F401
from srzoo.cli import main
from srzoo.datasets.imresize import imresize
from srzoo.engine.launch import load_config
from srzoo.errors import UsageError
from srzoo.evaluation.evaluate import run_test
from srzoo.evaluation.perception_distortion import parse_alphas, run_perception_distortion
from srzoo.registry import RESTORERS

ROOT = Path(__file__).resolve().parents[2]
PSNR_CFG = ROOT / "configs/demo/rrdbnet-psnr_rrdbnet-s_1xb8-1000_demo_x4.py"
GAN_CFG = ROOT / "configs/demo/esrgan_rrdbnet-s_1xb4-300_demo_x4.py"


def write_dataset(root: Path) -> Path:
    """GT crops 128x224 (two NIQE blocks after a 4-pixel border) and their x4 LR."""
    import skimage.data

    for name in ("astronaut", "coffee", "chelsea"):
        gt = getattr(skimage.data, name)()[:128, 100:324]
        for folder, img in (("GT", gt), ("LRx4", imresize(gt, 0.25))):
            (root / folder).mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(root / folder / f"{name}.png"), np.ascontiguousarray(img[..., ::-1]))
    return root


def save_random(config: Path, seed: int, path: Path) -> str:
    """A random generator whose output is textured grey (random RRDBNets output ~0)."""
    torch.manual_seed(seed)
    cfg = load_config(str(config), {"model.pretrained": None})
    state = RESTORERS.build(cfg.model).state_dict()
    for key in [k for k in state if "conv_last." in k]:
        state[key] = state[key] * 5 if key.endswith("weight") else torch.full_like(state[key], 0.5)
    torch.save({"meta": {"cfg": "srzoo"}, "state_dict": state}, path)
    return str(path)


@pytest.fixture(scope="module")
def setup(tmp_path_factory, lpips_files):
    tmp = tmp_path_factory.mktemp("pd")
    data = write_dataset(tmp / "val")
    alexnet, lin = lpips_files
    options = {
        "test_datasets.0.dataset.data_root": str(data),
        "model.perceptual_loss.pretrained": None,
        "test_evaluator": [
            dict(type="SRMetrics", crop_border=4),
            dict(type="NIQE", crop_border=4),
            dict(type="LPIPS", crop_border=4, alexnet_weights=str(alexnet), lin_weights=str(lin)),
        ],
    }
    psnr = save_random(PSNR_CFG, 0, tmp / "psnr.pth")
    gan = save_random(GAN_CFG, 1, tmp / "gan.pth")
    return dict(tmp=tmp, options=options, psnr=psnr, gan=gan, alexnet=alexnet, lin=lin)


def rows_of(path: Path) -> list:
    return json.loads(path.read_text())["rows"]


def test_alpha_0_and_1_equal_plain_evaluations(setup):
    tmp, options = setup["tmp"], setup["options"]
    plain = {}
    for name in ("psnr", "gan"):
        cfg = load_config(str(GAN_CFG), options, str(tmp / f"test-{name}"))
        plain[name] = rows_of(run_test(cfg, setup[name])["json"])
    cfg = load_config(str(GAN_CFG), options, str(tmp / "pd"))
    paths = run_perception_distortion(cfg, setup["psnr"], setup["gan"], (0.0, 0.5, 1.0))
    rows = rows_of(paths["json"])
    assert [r["model"] for r in rows] == ["bicubic", "alpha 0", "alpha 0.5", "alpha 1"]
    metrics = ["PSNR", "SSIM", "PSNR_Y", "SSIM_Y", "MAE", "MAE_Y", "NIQE", "LPIPS"]
    assert [r["model"] for r in plain["psnr"]] == ["bicubic", "ESRGAN-S (demo) [psnr.pth]"]
    pairs = [(0, "psnr", 0), (0, "gan", 0), (1, "psnr", 1), (3, "gan", 1)]  # bicubic, a=0, a=1
    for row, name, index in pairs:
        expected = plain[name][index]
        assert {k: rows[row][k] for k in metrics} == {k: expected[k] for k in metrics}
    middle, ends = rows[2], (rows[1], rows[3])
    assert all(middle["PSNR_Y"] != end["PSNR_Y"] for end in ends)
    assert all(isinstance(r["LPIPS"], float) and r["NIQE"] > 0 for r in rows)
    header = paths["md"].read_text().splitlines()[0]
    assert "NIQE [Y BT.601, border 4, 96px blocks]" in header
    assert "LPIPS [AlexNet v0.1, RGB, border 4]" in header
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert cv2.imread(str(paths["png"])).shape[1] > 800


def test_cli_adds_missing_metrics_and_reports_lpips_na(setup, capsys):
    work = setup["tmp"] / "pd-cli"
    absent = setup["tmp"] / "no-such" / "alexnet.pth"
    data_root = setup["options"]["test_datasets.0.dataset.data_root"]
    argv = ["pd", str(GAN_CFG), setup["psnr"], setup["gan"], "--alphas", "1,0",
            "--work-dir", str(work), "--alexnet-weights", str(absent), "--cfg-options",
            f"test_datasets.0.dataset.data_root={data_root}",
            "model.perceptual_loss.pretrained=None"]  # fmt: skip
    assert main(argv) == 0
    rows = rows_of(work / "perception_distortion.json")
    assert [r["alpha"] for r in rows[1:]] == [0.0, 1.0]
    assert all(r["LPIPS"] == f"n/a: no AlexNet weights at {absent}" for r in rows)
    assert all(isinstance(r["NIQE"], float) for r in rows)
    out = capsys.readouterr().out
    assert f"perception-distortion plot: {work / 'perception_distortion.png'}" in out
    assert (work / "perception_distortion.png").stat().st_size > 10_000


def test_srzoo_test_tables_carry_niqe_and_lpips_on_every_row(setup):
    absent = setup["tmp"] / "hub" / "alexnet-owt-7be5be79.pth"
    options = {k: v for k, v in setup["options"].items() if "perceptual" not in k}
    options["test_evaluator"] = [
        dict(type="SRMetrics", crop_border=4),
        dict(type="NIQE", crop_border=4),
        dict(type="LPIPS", crop_border=4, alexnet_weights=str(absent)),
    ]
    cfg = load_config(str(PSNR_CFG), options, str(setup["tmp"] / "test-na"))
    paths = run_test(cfg, setup["psnr"])
    rows = rows_of(paths["json"])
    assert [r["model"] for r in rows] == ["bicubic", "RRDBNet-S (PSNR, demo) [psnr.pth]"]
    assert all(r["LPIPS"] == f"n/a: no AlexNet weights at {absent}" for r in rows)
    assert rows[0]["NIQE"] == pytest.approx(8.509, abs=0.01)  # blur: high NIQE
    assert rows[0]["MAE"] > 0 and isinstance(rows[1]["NIQE"], float)
    markdown = [line for line in paths["md"].read_text().splitlines() if line.startswith("|")]
    assert (
        "| NIQE [Y BT.601, border 4, 96px blocks] | LPIPS [AlexNet v0.1, RGB, border 4] |"
        in (markdown[0])
    )
    assert markdown[2].endswith("| n/a [1] |") and markdown[3].endswith("| n/a [1] |")
    notes = [line for line in paths["md"].read_text().splitlines() if line.startswith("[")]
    assert notes == [f"[1] n/a: no AlexNet weights at {absent}"]  # once, under the table
    stored = json.loads(paths["json"].read_text())["conventions"]
    assert stored["PSNR_Y"] == "Y BT.601, border 4" and stored["LPIPS"].startswith("AlexNet")


def test_parse_alphas():
    assert parse_alphas("1, 0,0.2,0.2") == (0.0, 0.2, 1.0)
    for bad in ("", "0,x", "nan"):
        with pytest.raises(UsageError, match="alphas"):
            parse_alphas(bad)


def test_a_metric_without_values_gets_no_panel(tmp_path):
    from srzoo.evaluation.pd_plot import plot_perception_distortion

    rows = [dict(model="bicubic", dataset="d", alpha=None, PSNR_Y=27.0, NIQE=7.0, LPIPS=0.3)]
    rows += [dict(model=f"alpha {a}", dataset="d", alpha=a, PSNR_Y=29 - a, NIQE=6 - a,
                  LPIPS=0.2 + a / 10) for a in (0.0, 0.5, 1.0)]  # fmt: skip
    both = cv2.imread(str(plot_perception_distortion(rows, tmp_path / "both.png")))
    for row in rows:
        row["LPIPS"] = "n/a: no AlexNet weights at /x/alexnet.pth"
    one = cv2.imread(str(plot_perception_distortion(rows, tmp_path / "one.png")))
    assert one.shape[0] == both.shape[0] and one.shape[1] < 0.6 * both.shape[1]  # one panel
