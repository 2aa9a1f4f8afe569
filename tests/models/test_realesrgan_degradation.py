"""RealESRGANDegradation, the training-pair pool and RealESRGANPreprocessor (CPU, tiny GT)."""

import copy
import io

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import BaseDataElement

from srzoo.datasets.degradations import (
    PackRealESRGANInputs,
    RealESRGANKernels,
    TrainingPairPool,
    USMSharp,
    draw_batch,
    filter2d,
    gaussian_noise,
    jpeg_compress,
    poisson_noise,
    sample_generators,
)
from srzoo.datasets.degradations.params import stage_options
from srzoo.models.restorers.realesrgan_degradation import RealESRGANDegradation
from srzoo.models.restorers.realesrgan_preprocessor import RealESRGANPreprocessor
from srzoo.registry import RESTORERS

GT, PATCH = 80, 64  # the smallest GT the x4 defaults allow is 74; the crop is 64 -> 16


def _kernels(seeds):
    draws = [RealESRGANKernels()(dict(sample_seed=s)) for s in seeds]
    names = ("kernel1", "kernel2", "sinc_kernel")
    return [torch.stack([torch.from_numpy(d[n]) for d in draws]) for n in names]


def _gt(n, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, 3, GT, GT), generator=gen).float() / 255


def _degrade(module, seeds, gt=None):
    return module(_gt(len(seeds)) if gt is None else gt, *_kernels(seeds), seeds)


def test_same_sample_seeds_give_bit_identical_lq():
    a = _degrade(RealESRGANDegradation(gt_size=PATCH, queue_size=0), [3, 4])
    b = _degrade(RealESRGANDegradation(gt_size=PATCH, queue_size=0), [3, 4])
    c = _degrade(RealESRGANDegradation(gt_size=PATCH, queue_size=0), [3, 5])
    assert a.lq.shape == (2, 3, 16, 16) and a.gt.shape == a.gt_usm.shape == (2, 3, 64, 64)
    assert torch.equal(a.lq, b.lq) and torch.equal(a.gt, b.gt) and torch.equal(a.gt_usm, b.gt_usm)
    assert not torch.equal(a.lq, c.lq)
    levels = a.lq * 255
    assert torch.equal(levels, levels.round()) and 0 <= a.lq.min() and a.lq.max() <= 1


def test_paired_crop_and_usm_targets():
    seeds, gt = [7, 8], _gt(2)
    out = _degrade(RealESRGANDegradation(gt_size=PATCH, queue_size=0), seeds, gt)
    draw = draw_batch(seeds, *(stage_options({}, s) for s in (1, 2)))
    top = int(draw.crop_unit[0] * (GT // 4 - 16 + 1)) * 4
    left = int(draw.crop_unit[1] * (GT // 4 - 16 + 1)) * 4
    assert torch.equal(out.gt, gt[..., top : top + PATCH, left : left + PATCH])
    torch.testing.assert_close(out.gt_usm, USMSharp()(out.gt))
    net = _degrade(
        RealESRGANDegradation(gt_size=PATCH, queue_size=0, gt_usm="before_degradation"), seeds, gt
    )
    sharp = USMSharp()(gt)[..., top : top + PATCH, left : left + PATCH]
    assert torch.equal(net.gt, net.gt_usm) and torch.equal(net.gt, sharp)
    assert torch.equal(net.lq, out.lq)  # both degrade the sharpened GT
    plain = _degrade(RealESRGANDegradation(gt_size=PATCH, queue_size=0, gt_usm="none"), seeds, gt)
    assert torch.equal(plain.gt_usm, plain.gt) and not torch.equal(plain.lq, out.lq)


def _feed_data(gt, kernels, draw, seeds):
    """Real-ESRGAN's feed_data, step by step, from the fixture-checked pieces."""

    def noise(x, stage, stream):
        gens = sample_generators(seeds, stream, x.device)
        gray = torch.as_tensor(stage.gray)
        if stage.gaussian:
            return x + gaussian_noise(x, torch.as_tensor(stage.sigma), gray, gens)
        return x + poisson_noise(x, torch.as_tensor(stage.poisson_scale), gray, gens)

    def jpeg(x, quality):
        return jpeg_compress(torch.clamp(x, 0, 1), torch.as_tensor(quality).float())

    one, two = draw.first, draw.second
    out = filter2d(gt, kernels[0])
    out = F.interpolate(out, scale_factor=one.scale, mode=one.mode)
    out = jpeg(torch.clamp(noise(out, one, 3), 0, 1), one.jpeg_quality)
    if two.blur:
        out = filter2d(out, kernels[1])
    size = int(GT / 4 * two.scale)
    out = F.interpolate(out, size=(size, size), mode=two.mode)
    out = torch.clamp(noise(out, two, 4), 0, 1)
    if draw.sinc_first:
        out = F.interpolate(out, size=(GT // 4, GT // 4), mode=draw.final_mode)
        out = jpeg(filter2d(out, kernels[2]), two.jpeg_quality)
    else:
        out = jpeg(out, two.jpeg_quality)
        out = F.interpolate(out, size=(GT // 4, GT // 4), mode=draw.final_mode)
        out = filter2d(out, kernels[2])
    return torch.clamp((out * 255.0).round(), 0, 255) / 255.0


def test_synthesis_follows_real_esrgan_step_by_step():
    module = RealESRGANDegradation(gt_size=PATCH, queue_size=0)
    branches = set()
    for first in range(0, 24, 2):
        seeds = [first, first + 1]
        draw = draw_batch(seeds, module.first, module.second)
        gt, kernels = _gt(2, first), _kernels(seeds)
        lq = module.synthesize(gt, kernels, draw, seeds)
        assert torch.equal(lq, _feed_data(gt, kernels, draw, seeds)), seeds
        branches.add((draw.sinc_first, draw.first.gaussian, draw.second.gaussian, draw.second.blur))
    for i in range(4):  # every branch of every choice was taken
        assert {b[i] for b in branches} == {False, True}


def test_bad_inputs_and_options_raise():
    module = RealESRGANDegradation(gt_size=PATCH, queue_size=0)
    with pytest.raises(ValueError, match="large enough for stage 2's blur"):
        module(torch.rand(1, 3, 64, 64), *_kernels([1]), [1])
    with pytest.raises(ValueError, match="a multiple of the scale"):
        module(torch.rand(1, 3, 82, 82), *_kernels([1]), [1])
    with pytest.raises(ValueError, match="need 2 seeds"):
        module(_gt(2), *_kernels([1, 2]), [1])
    with pytest.raises(ValueError, match="gt_usm must be one of"):
        RealESRGANDegradation(gt_usm="always")
    with pytest.raises(ValueError, match="resize_range"):
        RealESRGANDegradation(resize_range=(0.5, 0.9))
    with pytest.raises(ValueError, match="queue_size 4 is not a multiple of the batch size 3"):
        _degrade(RealESRGANDegradation(gt_size=PATCH, queue_size=4), [1, 2, 3])


def test_pool_returns_pooled_pairs_once_full():
    pool = TrainingPairPool(4)
    batches = [
        (torch.full((2, 1, 2, 2), float(i)), torch.full((2, 1, 4, 4), float(i))) for i in range(4)
    ]
    for i in (0, 1):
        lq, gt = pool(*batches[i], order=i)
        assert torch.equal(lq, batches[i][0]) and pool.filled == 2 * (i + 1)
    lq, gt = pool(*batches[2], order=5)
    assert set(lq.flatten().tolist()) <= {0.0, 1.0} and torch.equal(
        lq[:, :, :1, :1], gt[:, :, :1, :1]
    )
    assert sorted(pool.lq[:, 0, 0, 0].tolist()).count(2.0) == 2  # the batch went in
    with pytest.raises(ValueError, match="holds LQ"):
        pool(torch.zeros(2, 1, 3, 3), torch.zeros(2, 1, 4, 4), order=0)
    with pytest.raises(ValueError, match="holds 4 pairs, this one 6"):
        TrainingPairPool(6).load_state_dict(pool.state_dict())


def _roundtrip(state):
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def test_pool_state_round_trips_through_a_checkpoint():
    seeds = [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]
    run = RealESRGANDegradation(gt_size=PATCH, queue_size=4)
    for s in seeds[:3]:
        _degrade(run, s, _gt(2, s[0]))
    state = _roundtrip(copy.deepcopy(run.state_dict()))
    assert set(state) == {"pool.lq", "pool.gt", "pool.filled_count"}
    assert int(state["pool.filled_count"]) == 4 and state["pool.lq"].shape == (4, 3, 16, 16)
    resumed = RealESRGANDegradation(gt_size=PATCH, queue_size=4)
    resumed.load_state_dict(state, strict=True)
    fresh = RealESRGANDegradation(gt_size=PATCH, queue_size=4)
    fresh.load_state_dict(
        _roundtrip(RealESRGANDegradation(gt_size=PATCH, queue_size=4).state_dict())
    )
    for s in seeds[3:]:
        a, b = _degrade(run, s, _gt(2, s[0])), _degrade(resumed, s, _gt(2, s[0]))
        assert (
            torch.equal(a.lq, b.lq) and torch.equal(a.gt, b.gt) and torch.equal(a.gt_usm, b.gt_usm)
        )
    assert torch.equal(run.pool.lq, resumed.pool.lq) and run.pool.filled == resumed.pool.filled
    # Without the state the same seeds give other pairs: the pool state matters.
    c = _degrade(fresh, seeds[3], _gt(2, 7))
    assert not torch.equal(c.lq, _degrade(run, seeds[3], _gt(2, 7)).lq)


def test_defaults_are_real_esrgan_x4plus_options(fixtures_dir):
    ref = torch.load(fixtures_dir / "realesrgan_reference.pt", weights_only=True)
    opts = ref["realesrgan_x4plus_options"]
    module = RealESRGANDegradation()
    assert module.first == stage_options(opts, 1) and module.second == stage_options(opts, 2)
    assert (module.scale, module.gt_size, module.pool.size) == (4, 256, 180)
    assert (opts["scale"], opts["gt_size"], opts["queue_size"]) == (4, 256, 180)
    pre = RealESRGANPreprocessor()
    assert pre.usm_targets == {k: opts[k] for k in ("l1_gt_usm", "percep_gt_usm", "gan_gt_usm")}


def _packed(seeds):
    samples = []
    for i, seed in enumerate(seeds):
        results = RealESRGANKernels()(dict(sample_seed=seed))
        gt = (_gt(1, i)[0].permute(1, 2, 0) * 255).round().byte().numpy()
        results.update(gt=np.ascontiguousarray(gt), gt_path=f"{i}.png", scale=4)
        samples.append(PackRealESRGANInputs()(results))
    return dict(
        inputs=[s["inputs"] for s in samples], data_samples=[s["data_samples"] for s in samples]
    )


def test_preprocessor_degrades_training_batches_and_normalises_validation_ones():
    cfg = dict(type="RealESRGANPreprocessor", degradation=dict(gt_size=PATCH, queue_size=0))
    pre = RESTORERS.build(cfg)
    out = pre(_packed([4, 9]), training=True)
    gt = torch.cat([_gt(1, 0), _gt(1, 1)])
    direct = _degrade(RealESRGANDegradation(gt_size=PATCH, queue_size=0), [4, 9], gt)
    assert torch.equal(out["inputs"], direct.lq) and out["inputs"].shape == (2, 3, 16, 16)
    samples = out["data_samples"]
    assert torch.equal(torch.stack([s.gt_img for s in samples]), direct.gt)
    assert samples[1].sample_seed == 9 and samples[1].img_name == "1"
    targets = pre.targets(samples)
    assert torch.equal(targets["pixel"], direct.gt_usm)
    assert torch.equal(targets["perceptual"], direct.gt_usm)
    assert torch.equal(targets["gan"], direct.gt)
    val_sample = BaseDataElement(gt_img=torch.zeros(3, 16, 16))
    val = dict(inputs=[torch.full((3, 4, 4), 255.0)], data_samples=[val_sample])
    assert torch.equal(pre(val, training=False)["inputs"], torch.ones(1, 3, 4, 4))
    bare = dict(inputs=[torch.zeros(3, GT, GT)], data_samples=[BaseDataElement()])
    with pytest.raises(KeyError, match="kernel1"):
        pre(bare, training=True)
    assert "degradation.pool.filled_count" in pre.state_dict()
