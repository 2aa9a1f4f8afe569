"""The sampled degradation parameters follow Real-ESRGAN's configured probabilities and ranges.

Design: draw from many fixed seeds (so every run sees the same numbers and the test is
deterministic), then test each categorical choice with a chi-square goodness-of-fit test
(or an exact binomial test for a yes/no choice) and each continuous draw with its range,
how closely its extremes reach the bounds, and a Kolmogorov-Smirnov test against the
configured uniform distribution. A test fails
when p < 1e-3; a wrong probability or range (e.g. two kernel probabilities swapped, a
range bound off by 10%) gives p far below that at these sample sizes.
"""

import math
from collections import Counter

import numpy as np
import pytest
from scipy import stats

from srzoo.datasets.degradations import StageOptions, draw_batch, draw_kernel_params
from srzoo.datasets.degradations.kernels import KERNEL_TYPES, BlurOptions, blur_options
from srzoo.datasets.degradations.params import RESIZE_DIRECTIONS, RESIZE_MODES, stage_options

P_MIN = 1e-3
N_SAMPLES = 4000
N_BATCHES = 3000


@pytest.fixture(scope="module")
def options(fixtures_dir):
    import torch

    ref = torch.load(fixtures_dir / "realesrgan_reference.pt", weights_only=True)
    return ref["realesrgan_x4plus_options"]


def _chi2(values, categories, prob) -> float:
    counts = Counter(values)
    observed = np.array([counts[c] for c in categories], dtype=float)
    assert observed.sum() == len(values), f"values outside {categories}"
    expected = np.asarray(prob, dtype=float) / np.sum(prob) * len(values)
    return stats.chisquare(observed, expected).pvalue


def _binom(flags, p: float) -> float:
    return stats.binomtest(int(np.sum(flags)), len(flags), p).pvalue


def _uniform(values, low: float, high: float) -> float:
    """KS p-value against U(low, high), after checking that the values fill the range: the
    extremes of n uniform draws lie within 7 (high - low) / n of the bounds, except with
    probability e^-7 < 1e-3 each (this catches a too narrow range that KS misses)."""
    values = np.asarray(values, dtype=float)
    assert values.min() >= low and values.max() <= high, (values.min(), values.max(), low, high)
    slack = 7 * (high - low) / len(values)
    assert values.min() - low < slack and high - values.max() < slack, (values.min(), values.max())
    return stats.kstest(values, stats.uniform(low, high - low).cdf).pvalue


@pytest.fixture(scope="module")
def kernel_draws(options):
    train = options["datasets"]["train"]
    first, second = blur_options(train), blur_options(train, "2")
    draws = [
        draw_kernel_params(seed, first, second, train["final_sinc_prob"])
        for seed in range(N_SAMPLES)
    ]
    return train, first, second, draws


def _check_blur_stage(draws, opts: BlurOptions, name: str) -> None:
    params = [d[name] for d in draws]
    assert _binom([p["type"] == "sinc" for p in params], opts.sinc_prob) > P_MIN
    assert _chi2([p["kernel_size"] for p in params], opts.kernel_sizes, [1] * 8) > P_MIN
    mixed = [p for p in params if p["type"] != "sinc"]
    assert _chi2([p["type"] for p in mixed], KERNEL_TYPES, opts.kernel_prob) > P_MIN
    assert _uniform([p["sig_x"] for p in mixed], *opts.blur_sigma) > P_MIN
    aniso = [p for p in mixed if p["type"].endswith("aniso")]
    assert _uniform([p["sig_y"] for p in aniso], *opts.blur_sigma) > P_MIN
    assert _uniform([p["theta"] for p in aniso], -math.pi, math.pi) > P_MIN
    iso = [p for p in mixed if not p["type"].endswith("aniso")]
    assert all(p["sig_y"] == p["sig_x"] and p["theta"] == 0 for p in iso)
    for family, (low, high) in (("generalized", opts.betag_range), ("plateau", opts.betap_range)):
        betas = np.array([p["beta"] for p in mixed if p["type"].startswith(family)])
        # Half from U(low, 1), half from U(1, high) (BasicSR; plateau's low is 1).
        assert _binom(betas < 1 if low < 1 else betas == 1, 0.5) > P_MIN
        assert _uniform(betas[betas > 1], 1, high) > P_MIN
        if low < 1:
            assert _uniform(betas[betas < 1], low, 1) > P_MIN
    gaussians = [p for p in mixed if p["type"] in ("iso", "aniso")]
    assert all(p["beta"] == 1.0 for p in gaussians)
    sincs = [p for p in params if p["type"] == "sinc"]
    small = [p["cutoff"] for p in sincs if p["kernel_size"] < 13]
    large = [p["cutoff"] for p in sincs if p["kernel_size"] >= 13]
    assert _uniform(small, math.pi / 3, math.pi) > P_MIN
    assert _uniform(large, math.pi / 5, math.pi) > P_MIN


def test_first_and_second_blur_kernels_follow_the_options(kernel_draws):
    _, first, second, draws = kernel_draws
    assert first.blur_sigma == (0.2, 3) and second.blur_sigma == (0.2, 1.5)
    _check_blur_stage(draws, first, "kernel1")
    _check_blur_stage(draws, second, "kernel2")


def test_final_sinc_follows_final_sinc_prob(kernel_draws):
    train, _, _, draws = kernel_draws
    params = [d["sinc_kernel"] for d in draws]
    assert _binom([p["type"] == "sinc" for p in params], train["final_sinc_prob"]) > P_MIN
    sincs = [p for p in params if p["type"] == "sinc"]
    assert _chi2([p["kernel_size"] for p in sincs], range(7, 22, 2), [1] * 8) > P_MIN
    assert _uniform([p["cutoff"] for p in sincs], math.pi / 3, math.pi) > P_MIN


def test_the_statistical_check_catches_a_wrong_distribution(kernel_draws):
    _, first, _, draws = kernel_draws
    swapped = BlurOptions(kernel_prob=(0.25, 0.45, 0.12, 0.03, 0.12, 0.03))
    with pytest.raises(AssertionError):
        _check_blur_stage(draws, swapped, "kernel1")
    narrower = BlurOptions(blur_sigma=(0.2, 2.7))
    with pytest.raises(AssertionError):
        _check_blur_stage(draws, narrower, "kernel1")


@pytest.fixture(scope="module")
def batch_draws(options):
    first, second = stage_options(options, 1), stage_options(options, 2)
    seeds = np.random.default_rng(0).permutation(10 * N_BATCHES)[: 2 * N_BATCHES]
    draws = [draw_batch(seeds[2 * i : 2 * i + 2], first, second) for i in range(N_BATCHES)]
    return first, second, draws


def _check_stage(stages, opts: StageOptions) -> None:
    blurs = [s.blur for s in stages]
    assert all(blurs) if opts.blur_prob == 1 else _binom(blurs, opts.blur_prob) > P_MIN
    directions = [s.direction for s in stages]
    assert _chi2(directions, RESIZE_DIRECTIONS, opts.resize_prob) > P_MIN
    low, high = opts.resize_range
    assert _uniform([s.scale for s in stages if s.direction == "up"], 1, high) > P_MIN
    assert _uniform([s.scale for s in stages if s.direction == "down"], low, 1) > P_MIN
    assert all(s.scale == 1 for s in stages if s.direction == "keep")
    assert _chi2([s.mode for s in stages], RESIZE_MODES, [1, 1, 1]) > P_MIN
    assert _binom([s.gaussian for s in stages], opts.gaussian_noise_prob) > P_MIN
    per_image = {k: np.concatenate([getattr(s, k) for s in stages]) for k in ("sigma", "gray")}
    assert _binom(per_image["gray"], opts.gray_noise_prob) > P_MIN
    assert _uniform(per_image["sigma"], *opts.noise_range) > P_MIN
    pscale = np.concatenate([s.poisson_scale for s in stages])
    assert _uniform(pscale, *opts.poisson_scale_range) > P_MIN
    quality = np.concatenate([s.jpeg_quality for s in stages])
    assert _uniform(quality, *opts.jpeg_range) > P_MIN


def test_batch_choices_follow_the_options(batch_draws):
    first, second, draws = batch_draws
    assert first.resize_prob == (0.2, 0.7, 0.1) and second.blur_prob == 0.8
    _check_stage([d.first for d in draws], first)
    _check_stage([d.second for d in draws], second)
    assert _binom([d.sinc_first for d in draws], 0.5) > P_MIN
    assert _chi2([d.final_mode for d in draws], RESIZE_MODES, [1, 1, 1]) > P_MIN
    crops = np.array([d.crop_unit for d in draws])
    assert _uniform(crops[:, 0], 0, 1) > P_MIN and _uniform(crops[:, 1], 0, 1) > P_MIN
    with pytest.raises(AssertionError):
        _check_stage([d.first for d in draws], StageOptions(resize_prob=(0.3, 0.6, 0.1)))


def test_draws_depend_on_the_seeds_only():
    opts = StageOptions()
    a, b = draw_batch([1, 2], opts, opts), draw_batch([1, 2], opts, opts)
    assert a.first.scale == b.first.scale and np.array_equal(a.second.sigma, b.second.sigma)
    c = draw_batch([1, 3], opts, opts)
    # Per-image values of sample 1 do not depend on its batch mates; sample 2's do change.
    assert a.first.sigma[0] == c.first.sigma[0] and a.first.sigma[1] != c.first.sigma[1]
    with pytest.raises(ValueError, match="at least one seed"):
        draw_batch([], opts, opts)
    with pytest.raises(ValueError, match="resize_range"):
        StageOptions(resize_range=(1.5, 0.15))
