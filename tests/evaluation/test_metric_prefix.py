"""srzoo's metrics build without mmengine's "prefix is not set" warning, keys unprefixed."""

import mmengine.evaluator.metric as mmengine_metric
import pytest

import srzoo.evaluation  # noqa: F401
from srzoo.registry import METRICS


@pytest.mark.parametrize("cfg", [dict(type="SRMetrics"), dict(type="NIQE"), dict(type="LPIPS")])
def test_metrics_build_without_the_prefix_warning(monkeypatch, cfg):
    logged = []
    monkeypatch.setattr(mmengine_metric, "print_log", lambda msg, *a, **k: logged.append(msg))
    metric = METRICS.build(dict(cfg, crop_border=4))
    assert not [m for m in logged if "prefix is not set" in m]
    assert metric.prefix == ""  # evaluate() then returns PSNR, not <prefix>/PSNR
