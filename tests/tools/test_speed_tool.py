"""srzoo speed: a --tiny smoke run writes the three tables (no timing assertions)."""

import json
import os
from pathlib import Path

import pytest

from srzoo.cli import main
from srzoo.speed.common import markdown_table, parse_variant, parse_variants
from srzoo.speed.infer import measure_inference
from srzoo.speed.report import INFER_HEADERS, OVERHEAD_HEADERS, TRAIN_HEADERS

ROOT = Path(__file__).resolve().parents[2]
TINY_GENERATOR = dict(
    type="RRDBNet", mid_channels=8, num_blocks=1, growth_channels=4, upscale_factor=4
)


def tiny_config(tmp_path: Path) -> Path:
    path = tmp_path / "esrgan_tiny_bench.py"
    path.write_text(
        f"""
_base_ = ["{ROOT}/configs/demo/esrgan_rrdbnet-s_1xb4-300_demo_x4.py"]
model = dict(
    pretrained=None,
    generator=dict(mid_channels=8, num_blocks=1, growth_channels=4),
    discriminator=dict(mid_channels=4),  # input_size: --gt-size sets it with the crop
    perceptual_loss=dict(layer_weights={{"conv1_1": 1.0}}),
)
train_dataloader = dict(dataset=dict(data_root="{tmp_path}/no-such-data"))
"""
    )
    return path


def table_rows(text: str, heading: str) -> list[list[str]]:
    """The rows (header first) of the Markdown table under ``heading``."""
    block = text.split(heading, 1)[1].split("\n## ", 1)[0]
    lines = [line for line in block.splitlines() if line.startswith("|")]
    return [[c.strip() for c in line.strip("|").split("|")] for line in lines if "---" not in line]


def test_tiny_benchmark_writes_the_three_tables(tmp_path):
    out = tmp_path / "speed.md"
    cfg = tiny_config(tmp_path)
    assert main(["speed", str(cfg), "--tiny", "--gt-size", "32", "--out", str(out)]) == 0
    text = out.read_text()
    assert "- cpu: " in text and "- torch: " in text and "synthetic" in text
    train = table_rows(text, "## Training iteration")
    assert train[0] == TRAIN_HEADERS and [r[0] for r in train[1:]] == ["fp32", "bf16+cl"]
    infer = table_rows(text, "## Inference")
    assert infer[0] == INFER_HEADERS
    assert [r[0] for r in infer[1:]] == ["fp32", "bf16+cl", "fp32+tile"]
    overhead = table_rows(text, "## Framework overhead")
    assert overhead[0] == OVERHEAD_HEADERS and len(overhead) == 3
    for row in train[1:] + overhead[1:]:
        assert all(float(cell) >= 0 for cell in row[1:])
    assert "## Summary" in text and "framework overhead" in text
    data = json.loads(out.with_suffix(".json").read_text())
    assert {r["variant"] for r in data["train"]} == {"fp32", "bf16+cl"}
    assert data["infer"][2]["psnr_vs_first"] > 30  # tiling reproduces the whole-image output


def test_inference_variant_runs_in_its_own_process():
    """isolate=True: the variant ran in a spawned worker, not in this process."""
    spec = dict(
        variant="fp32+cl",
        generator=TINY_GENERATOR,
        scale=4,
        size=16,
        tile=8,
        overlap=4,
        repeats=1,
        threads=1,
        device="cpu",
    )
    (row,) = measure_inference([spec], isolate=True)
    assert isinstance(row["pid"], int) and row["pid"] != os.getpid()
    assert row["variant"] == "fp32+cl" and row["ms"] > 0 and row["ms_per_mp"] > row["ms"]
    assert row["peak_mib"] >= 0 and row["psnr_vs_first"] == float("inf")


def test_variants_parse_and_reject_typos():
    v = parse_variant("bf16+cl+compile")
    assert (v.dtype, v.channels_last, v.compile, v.tile) == ("bfloat16", True, True, 0)
    assert parse_variant("fp32+tile").tile == -1 and parse_variant("fp32+tile96").tile == 96
    assert [x.name for x in parse_variants("fp32, fp16+tile")] == ["fp32", "fp16+tile"]
    for bad in ("bf16+fp32", "cl", "bf16+channels_last"):
        with pytest.raises(ValueError, match="bad variant"):
            parse_variant(bad)
    assert markdown_table(["a", "b"], [[1.23456, None]]).splitlines()[2] == "| 1.23 | - |"
