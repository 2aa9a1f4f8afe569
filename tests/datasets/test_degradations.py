"""Real-ESRGAN degradation pieces against BasicSR 1.4.2 (tests/fixtures/realesrgan_reference.pt)."""

import numpy as np
import pytest
import torch

from srzoo.datasets.degradations import (
    BlurOptions,
    PackRealESRGANInputs,
    RealESRGANKernels,
    USMSharp,
    bivariate_kernel,
    circular_lowpass_kernel,
    filter2d,
    gaussian_noise,
    jpeg_compress,
    poisson_noise,
    sample_generators,
)
from srzoo.datasets.degradations.filters import separable_filter, usm_kernel
from srzoo.datasets.degradations.kernels import blur_options
from srzoo.registry import TRANSFORMS


@pytest.fixture(scope="module")
def ref(fixtures_dir):
    return torch.load(fixtures_dir / "realesrgan_reference.pt", weights_only=True)


def _kernel_of(case: dict) -> np.ndarray:
    if case["kind"] == "sinc":
        return circular_lowpass_kernel(case["cutoff"], case["kernel_size"], case["pad_to"])
    args = (case["sig_x"], case["sig_y"], case["theta"], case.get("beta", 1.0))
    return bivariate_kernel(case["kind"], case["kernel_size"], *args, isotropic=case["isotropic"])


def test_every_kernel_kind_equals_basicsr(ref):
    assert {c["kind"] for c in ref["kernels"]} == {
        "gaussian",
        "generalized_gaussian",
        "plateau",
        "sinc",
    }
    for case in ref["kernels"]:
        mine = _kernel_of(case)
        assert mine.shape == tuple(case["kernel"].shape)
        np.testing.assert_allclose(mine, case["kernel"].numpy(), rtol=0, atol=1e-6)
        assert mine.sum() == pytest.approx(1.0, abs=1e-12)


def test_kernel_arguments_are_checked():
    with pytest.raises(ValueError, match="odd"):
        bivariate_kernel("gaussian", 20, 1.0)
    with pytest.raises(ValueError, match="shape must be"):
        bivariate_kernel("box", 21, 1.0)
    with pytest.raises(ValueError, match="kernel_list"):
        BlurOptions(kernel_list=("iso", "disc"), kernel_prob=(0.5, 0.5))


def test_filter2d_with_per_sample_kernels_equals_basicsr(ref):
    case = ref["filter2d"]
    out = filter2d(case["input"], case["kernels"])
    assert (out - case["output"]).abs().max().item() <= 1e-6
    # One kernel for the batch equals that kernel repeated per sample.
    one = filter2d(case["input"], case["kernels"][0])
    torch.testing.assert_close(one, filter2d(case["input"], case["kernels"][[0, 0]]))


def test_filter2d_rejects_bad_kernels_and_small_images():
    img = torch.rand(2, 3, 16, 16)
    with pytest.raises(ValueError, match="k odd"):
        filter2d(img, torch.ones(2, 4, 4))
    with pytest.raises(ValueError, match="3 kernels for a batch of 2"):
        filter2d(img, torch.ones(3, 5, 5))
    with pytest.raises(ValueError, match="cannot reflect-pad a 16x16"):
        filter2d(img, torch.ones(1, 33, 33))


def test_usm_equals_basicsr(ref):
    case = ref["usm"]
    assert (case["radius"], case["weight"], case["threshold"]) == (50, 0.5, 10)
    exact = USMSharp(separable=False)(case["input"])
    assert (exact - case["output"]).abs().max().item() <= 1e-6
    # The separable blur is closer to the exact value than BasicSR's float32 51x51
    # correlation, which is itself 2.6e-6 off; the outputs agree to 2e-6.
    fast = USMSharp()(case["input"])
    assert (fast - case["output"]).abs().max().item() <= 2e-6
    x64 = case["input"].double()
    exact_blur = filter2d(x64, usm_kernel(separable=False).double())
    blur = separable_filter(case["input"], usm_kernel())
    assert (blur.double() - exact_blur).abs().max().item() <= 5e-7
    assert (fast - case["input"]).abs().max().item() > 0.05  # it does sharpen


def test_jpeg_is_within_one_level_of_diffjpeg_at_every_quality(ref):
    case = ref["diffjpeg"]
    # The fixture's "quality" was converted to factors in place by DiffJPEG.
    torch.testing.assert_close(case["quality"], torch.tensor([5000 / 30, 200 - 120, 10]) / 100)
    quality = torch.tensor([30.0, 60.0, 95.0])
    out = jpeg_compress(case["input"], quality)
    assert torch.equal(quality, torch.tensor([30.0, 60.0, 95.0]))  # not modified
    for i in range(3):
        diff = (out[i] - case["output"][i]).abs().max().item()
        assert diff <= 1 / 255, (quality[i], diff)
    errors = [(out[i] - case["input"][i]).abs().mean().item() for i in range(3)]
    assert errors[0] > errors[1] > errors[2] > 0  # lower quality, larger error


def test_jpeg_handles_any_size_and_one_quality_for_the_batch():
    img = torch.rand(2, 3, 13, 21)
    out = jpeg_compress(img, 50.0)
    assert out.shape == img.shape and 0 <= out.min() and out.max() <= 1
    torch.testing.assert_close(out, jpeg_compress(img, torch.tensor([50.0, 50.0])))
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        jpeg_compress(torch.rand(1, 1, 8, 8), 50.0)
    with pytest.raises(ValueError, match="3 qualities for a batch of 2"):
        jpeg_compress(img, torch.tensor([50.0, 60.0, 70.0]))


def test_gaussian_noise_std_per_sample_and_grey_noise_match_basicsr(ref):
    case = ref["gaussian_noise_std"]
    img = torch.zeros(3, 3, 128, 128)
    sigma = torch.tensor(case["sigma_255"])
    gray = torch.tensor(case["gray"], dtype=torch.bool)
    noise = gaussian_noise(img, sigma, gray, sample_generators([1, 2, 3], 3, img.device))
    std = noise.flatten(1).std(1)
    torch.testing.assert_close(std, sigma / 255, rtol=0.03, atol=0)
    torch.testing.assert_close(std, case["per_sample_std"], rtol=0.03, atol=0)
    equal = [bool(torch.equal(noise[i, 0], noise[i, 1])) for i in range(3)]
    assert equal == case["gray_channel_equal"] == [False, True, False]


def test_noise_is_a_function_of_each_sample_seed():
    img = torch.rand(2, 3, 16, 16)
    sigma, gray = torch.tensor([10.0, 10.0]), torch.tensor([False, True])
    a = gaussian_noise(img, sigma, gray, sample_generators([5, 6], 3, img.device))
    b = gaussian_noise(img, sigma, gray, sample_generators([5, 6], 3, img.device))
    c = gaussian_noise(img, sigma, gray, sample_generators([5, 7], 3, img.device))
    assert torch.equal(a, b) and torch.equal(a[0], c[0]) and not torch.equal(a[1], c[1])
    scale = torch.tensor([1.0, 2.0])
    p = poisson_noise(img, scale, gray, sample_generators([5, 6], 3, img.device))
    q = poisson_noise(img, scale, gray, sample_generators([5, 6], 3, img.device))
    assert torch.equal(p, q) and p.abs().sum() > 0
    assert torch.equal(p[1, 0], p[1, 2]) and not torch.equal(p[0, 0], p[0, 2])
    assert abs(p.mean().item()) < 0.01  # shot noise has zero mean
    with pytest.raises(ValueError, match="N generators"):
        gaussian_noise(img, sigma, gray, sample_generators([5], 3, img.device))


def test_kernel_transform_is_seeded_by_the_sample_and_registered():
    transform = TRANSFORMS.build(dict(type="RealESRGANKernels"))
    a = transform(dict(sample_seed=11))
    b = transform(dict(sample_seed=11))
    c = transform(dict(sample_seed=12))
    for key in ("kernel1", "kernel2", "sinc_kernel"):
        assert a[key].shape == (21, 21) and a[key].dtype == np.float32
        assert a[key].sum() == pytest.approx(1.0, abs=1e-5)
        assert np.array_equal(a[key], b[key])
    assert not np.array_equal(a["kernel1"], c["kernel1"])
    assert a["kernel_params"] == b["kernel_params"]
    with pytest.raises(KeyError, match="sample_seed"):
        transform(dict())


def test_transform_defaults_are_real_esrgan_x4plus_options(ref):
    train = ref["realesrgan_x4plus_options"]["datasets"]["train"]
    transform = RealESRGANKernels()
    assert transform.first == blur_options(train)
    assert transform.second == blur_options(train, "2")
    assert transform.final_sinc_prob == train["final_sinc_prob"]


def test_pack_puts_gt_in_inputs_and_kernels_in_the_data_sample():
    results = RealESRGANKernels()(dict(sample_seed=3))
    results.update(gt=np.full((8, 10, 3), 7, np.uint8), gt_path="/data/a.png", scale=4)
    packed = PackRealESRGANInputs()(results)
    assert packed["inputs"].shape == (3, 8, 10) and packed["inputs"].max() == 7
    sample = packed["data_samples"]
    assert sample.sample_seed == 3 and sample.img_name == "a"
    assert torch.equal(sample.kernel1, torch.from_numpy(results["kernel1"]))
    with pytest.raises(KeyError, match="gt"):
        PackRealESRGANInputs()(dict(sample_seed=3, kernel1=1, kernel2=1, sinc_kernel=1))
