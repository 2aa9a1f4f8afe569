"""Pixel, GAN and VGG19 perceptual losses on hand-computed inputs."""

import math

import pytest
import torch

from srzoo.models.losses import (
    CharbonnierLoss,
    GANLoss,
    L1Loss,
    MSELoss,
    PerceptualLoss,
    VGG19FeatureExtractor,
)
from srzoo.models.losses.vgg import IMAGENET_MEAN, IMAGENET_STD, build_vgg19_features
from srzoo.registry import LOSSES

# pred - target = [[1, -2], [3, 0]] on a (1, 1, 2, 2) image.
PRED = torch.tensor([[[[1.0, 0.0], [4.0, 2.0]]]])
TARGET = torch.tensor([[[[0.0, 2.0], [1.0, 2.0]]]])


# ---------------------------------------------------------------- pixel losses
@pytest.mark.parametrize(
    "cls, none, mean, total",
    [
        (L1Loss, [[1.0, 2.0], [3.0, 0.0]], 1.5, 6.0),
        (MSELoss, [[1.0, 4.0], [9.0, 0.0]], 3.5, 14.0),
    ],
)
def test_pixel_loss_reductions(cls, none, mean, total):
    assert torch.equal(cls(reduction="none")(PRED, TARGET), torch.tensor([[none]]))
    assert cls()(PRED, TARGET).item() == pytest.approx(mean)
    assert cls(reduction="sum")(PRED, TARGET).item() == pytest.approx(total)
    assert cls(loss_weight=0.5, reduction="sum")(PRED, TARGET).item() == pytest.approx(total / 2)


def test_charbonnier_values():
    eps = 1e-2
    expected = [math.sqrt(d * d + eps) for d in (1.0, 2.0, 3.0, 0.0)]
    loss = CharbonnierLoss(eps=eps, reduction="none")(PRED, TARGET)
    assert torch.allclose(loss.flatten(), torch.tensor(expected))
    assert CharbonnierLoss(eps=eps)(PRED, TARGET).item() == pytest.approx(sum(expected) / 4)
    assert CharbonnierLoss(eps=eps, reduction="sum", loss_weight=2.0)(
        PRED, TARGET
    ).item() == pytest.approx(2 * sum(expected))
    # default eps=1e-12: sqrt(0 + 1e-12) = 1e-6 at a zero difference
    assert CharbonnierLoss()(TARGET, TARGET).item() == pytest.approx(1e-6)


def test_pixel_loss_weight():
    mask = torch.tensor([[[[1.0, 0.0], [1.0, 0.0]]]])  # keeps |1| and |3|
    assert L1Loss()(PRED, TARGET, weight=mask).item() == pytest.approx(2.0)
    assert L1Loss(reduction="sum")(PRED, TARGET, weight=mask).item() == pytest.approx(4.0)
    weighted = L1Loss(reduction="none")(PRED, TARGET, weight=2 * mask)
    assert torch.equal(weighted, torch.tensor([[[[2.0, 0.0], [6.0, 0.0]]]]))
    # a (N, 1, H, W) mask on 3 channels averages over 3 * (masked pixels)
    pred3, target3 = PRED.repeat(1, 3, 1, 1), TARGET.repeat(1, 3, 1, 1)
    assert MSELoss()(pred3, target3, weight=mask).item() == pytest.approx(5.0)


def test_pixel_loss_errors():
    with pytest.raises(ValueError, match="reduction"):
        L1Loss(reduction="avg")
    with pytest.raises(ValueError, match="reduction"):
        CharbonnierLoss(reduction="max")
    with pytest.raises(ValueError, match=r"\(1, 1, 2, 2\).*\(1, 1, 2, 3\)"):
        MSELoss()(PRED, torch.zeros(1, 1, 2, 3))
    with pytest.raises(ValueError, match="weight"):
        L1Loss()(PRED, TARGET, weight=torch.ones(1, 1, 3, 3))


def test_losses_registered():
    for name in ("L1Loss", "MSELoss", "CharbonnierLoss", "GANLoss", "PerceptualLoss"):
        assert LOSSES.get(name) is not None
    loss = LOSSES.build(dict(type="L1Loss", loss_weight=2.0, reduction="sum"))
    assert loss(PRED, TARGET).item() == pytest.approx(12.0)


# ---------------------------------------------------------------- GAN losses
X = torch.tensor([0.0, 2.0, -1.0])


def _softplus(v: float) -> float:
    return math.log1p(math.exp(v))


SP_REAL = sum(_softplus(-v) for v in (0, 2, -1)) / 3  # BCE vs 1 = softplus(-x)
SP_FAKE = sum(_softplus(v) for v in (0, 2, -1)) / 3  # BCE vs 0 = softplus(x)


@pytest.mark.parametrize(
    "gan_type, real, fake",
    [
        ("vanilla", SP_REAL, SP_FAKE),
        ("wgan_softplus", SP_REAL, SP_FAKE),
        ("lsgan", (1 + 1 + 4) / 3, (0 + 4 + 1) / 3),
        ("wgan", -1 / 3, 1 / 3),
    ],
)
def test_gan_loss_values(gan_type, real, fake):
    loss = GANLoss(gan_type, loss_weight=1.0)
    for is_disc in (True, False):
        assert loss(X, True, is_disc=is_disc).item() == pytest.approx(real, rel=1e-6)
        assert loss(X, False, is_disc=is_disc).item() == pytest.approx(fake, rel=1e-6)


def test_hinge_loss_values():
    loss = GANLoss("hinge")
    assert loss(X, True, is_disc=True).item() == pytest.approx(1.0)  # relu(1-x) = [1, 0, 2]
    assert loss(X, False, is_disc=True).item() == pytest.approx(4 / 3)  # relu(1+x) = [1, 3, 0]
    assert loss(X, True).item() == pytest.approx(-1 / 3)  # G: -mean(x)


def test_gan_loss_labels_and_weight():
    lsgan = GANLoss("lsgan", real_label_val=0.9, fake_label_val=0.1, loss_weight=1e-3)
    real_d = ((0.9) ** 2 + 1.1**2 + 1.9**2) / 3
    assert lsgan(X, True, is_disc=True).item() == pytest.approx(real_d)
    assert lsgan(X, True, is_disc=False).item() == pytest.approx(1e-3 * real_d)
    fake_d = (0.1**2 + 1.9**2 + 1.1**2) / 3
    assert lsgan(X, False, is_disc=True).item() == pytest.approx(fake_d)
    hinge = GANLoss("hinge", loss_weight=5e-3)
    assert hinge(X, True, is_disc=True).item() == pytest.approx(1.0)
    assert hinge(X, False).item() == pytest.approx(-5e-3 / 3)


def test_vanilla_extreme_logits_finite():
    loss = GANLoss("vanilla")
    big = torch.tensor([100.0, -100.0], requires_grad=True)
    real = loss(big, True, is_disc=True)
    fake = loss(big, False, is_disc=True)
    assert real.item() == pytest.approx(50.0) and fake.item() == pytest.approx(50.0)
    (real + fake).backward()
    assert torch.isfinite(big.grad).all()
    assert loss(torch.tensor([-100.0]), True).item() == pytest.approx(100.0)


def test_gan_loss_unknown_type():
    with pytest.raises(ValueError, match="vanilla.*lsgan.*wgan.*wgan_softplus.*hinge"):
        GANLoss("ragan")


# ---------------------------------------------------------------- perceptual loss
def _copy_rgb_conv1(vgg: VGG19FeatureExtractor) -> None:
    """conv1_1 copies the 3 input channels to channels 0..2; the other 61 stay 0."""
    conv = vgg.features[0]
    with torch.no_grad():
        conv.weight.zero_()
        conv.bias.zero_()
        for c in range(3):
            conv.weight[c, c, 1, 1] = 1.0


def _img(seed: int, size: int = 32) -> torch.Tensor:
    return torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(seed))


def test_perceptual_hand_computed_and_activation():
    kw = dict(use_input_norm=False, pretrained=None, style_weight=3.0)
    conv = PerceptualLoss({"conv1_1": 2.0}, perceptual_weight=0.5, **kw)
    relu = PerceptualLoss({"relu1_1": 2.0}, perceptual_weight=0.5, **kw)
    _copy_rgb_conv1(conv.vgg)
    _copy_rgb_conv1(relu.vgg)
    target = torch.zeros(1, 3, 4, 4)
    # L1 over 64 channels, 3 of them differ by 0.5: 0.5 * 3 / 64, times 2.0 * 0.5
    percep, style = conv(torch.full((1, 3, 4, 4), 0.5), target)
    assert percep.item() == pytest.approx(0.5 * 3 / 64)
    # Gram entries 0.25 / 64 for the 3x3 RGB block, compared by L1 over 64x64 entries
    assert style.item() == pytest.approx(3.0 * 2.0 * 9 * (0.25 / 64) / 4096)
    # negative inputs: conv1_1 (before activation) sees them, relu1_1 clamps them to 0
    negative = torch.full((1, 3, 4, 4), -0.5)
    assert conv(negative, target)[0].item() == pytest.approx(0.5 * 3 / 64)
    assert relu(negative, target)[0].item() == 0.0


def test_conv_is_before_relu_after_activation():
    torch.manual_seed(0)
    vgg = VGG19FeatureExtractor(["conv1_2", "relu1_2", "conv2_1"], pretrained=None)
    assert len(vgg.features) == 6  # built only up to conv2_1 (index 5)
    feats = vgg(_img(1))
    assert feats["conv1_2"].min() < 0
    assert torch.equal(feats["relu1_2"], feats["conv1_2"].clamp_min(0))
    assert feats["conv2_1"].shape == (1, 128, 16, 16)


def test_input_norm_and_range_norm():
    torch.manual_seed(0)
    normed = VGG19FeatureExtractor(["conv1_1"], pretrained=None)
    raw = VGG19FeatureExtractor(["conv1_1"], use_input_norm=False, pretrained=None)
    ranged = VGG19FeatureExtractor(["conv1_1"], range_norm=True, pretrained=None)
    raw.load_state_dict(normed.state_dict())
    ranged.load_state_dict(normed.state_dict())
    x = _img(2)
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    expected = raw((x - mean) / std)["conv1_1"]
    assert torch.allclose(normed(x)["conv1_1"], expected, atol=1e-5)
    assert not torch.allclose(raw(x)["conv1_1"], expected, atol=1e-2)
    assert torch.allclose(ranged(2 * x - 1)["conv1_1"], normed(x)["conv1_1"], atol=1e-5)


@pytest.mark.parametrize("criterion, power", [("l2", 2), ("l1", 1), ("fro", 1)])
def test_feature_scale(criterion, power):
    losses = []
    for scale in (1.0, 1 / 12.75):
        torch.manual_seed(0)
        loss = PerceptualLoss(
            {"relu1_2": 1.0}, criterion=criterion, feature_scale=scale, pretrained=None
        )
        losses.append(loss(_img(3), _img(4))[0].item())
    assert losses[1] == pytest.approx(losses[0] / 12.75**power, rel=1e-5)


def test_style_term_and_none_outputs():
    loss = PerceptualLoss(
        {"relu1_1": 1.0}, perceptual_weight=0.0, style_weight=1.0, pretrained=None
    )
    x = _img(5)
    percep, style = loss(x, x.clone())
    assert percep is None and style.item() == 0.0
    assert loss(x, _img(6))[1].item() > 0
    percep, style = PerceptualLoss({"relu1_1": 1.0}, pretrained=None)(x, _img(6))
    assert percep.item() > 0 and style is None


def test_gradient_to_pred_only():
    loss = PerceptualLoss({"relu2_1": 1.0}, style_weight=1.0, pretrained=None)
    pred = _img(7).requires_grad_(True)
    target = _img(8).requires_grad_(True)
    percep, style = loss(pred, target)
    (percep + style).backward()
    assert pred.grad is not None and pred.grad.abs().sum() > 0
    assert target.grad is None
    assert all(p.grad is None and not p.requires_grad for p in loss.vgg.parameters())
    loss.train()
    assert not loss.vgg.training


def test_vgg_hidden_from_state_dict_but_moved():
    loss = PerceptualLoss({"relu1_2": 1.0}, pretrained=None)
    assert loss.state_dict() == {} and list(loss.parameters()) == []
    parent = torch.nn.Module()
    parent.percep = loss
    assert list(parent.state_dict()) == [] and list(parent.parameters()) == []
    parent.to(torch.float64)
    assert all(p.dtype == torch.float64 for p in loss.vgg.parameters())
    assert loss.vgg.mean.dtype == torch.float64
    percep, _ = loss(_img(9).double(), _img(10).double())
    assert percep.dtype == torch.float64


def test_bf16_autocast_and_channels_last():
    loss = PerceptualLoss({"conv2_1": 1.0}, style_weight=1.0, pretrained=None)
    pred, target = _img(11).requires_grad_(True), _img(12)
    ref = loss(pred, target)[0]
    with torch.autocast("cpu", dtype=torch.bfloat16):
        percep, style = loss(pred, target)
    assert torch.isfinite(percep) and torch.isfinite(style)
    assert percep.item() == pytest.approx(ref.item(), rel=0.05)
    (percep + style).backward()
    assert torch.isfinite(pred.grad).all()
    cl = loss(pred.detach().to(memory_format=torch.channels_last), target)[0]
    assert cl.item() == pytest.approx(ref.item(), rel=1e-5)


def test_unknown_layer_and_bad_args():
    with pytest.raises(ValueError, match="conv5_4.*relu5_4"):
        PerceptualLoss({"relu6_1": 1.0}, pretrained=None)
    with pytest.raises(ValueError, match="criterion"):
        PerceptualLoss({"relu1_1": 1.0}, criterion="cosine", pretrained=None)
    with pytest.raises(ValueError, match="layer_weights"):
        PerceptualLoss({}, pretrained=None)
    loss = PerceptualLoss({"relu1_1": 1.0}, pretrained=None)
    with pytest.raises(ValueError, match="shape"):
        loss(_img(1, 8), _img(1, 16))


# ---------------------------------------------------------------- weight files
def _torchvision_state(seed: int) -> dict:
    """Random VGG19 weights through block 2 and one deep conv, in torchvision's layout."""
    torch.manual_seed(seed)
    state = {f"features.{k}": v for k, v in build_vgg19_features(10).state_dict().items()}
    state["features.34.weight"] = torch.zeros(512, 512, 3, 3)  # deeper than needed: ignored
    state["classifier.0.weight"] = torch.zeros(4, 2)
    return state


def test_load_weights_file(tmp_path):
    state = _torchvision_state(1)
    plain, wrapped = tmp_path / "plain.pth", tmp_path / "wrapped.pth"
    torch.save(state, plain)
    torch.save({"state_dict": state}, wrapped)
    ref = VGG19FeatureExtractor(["relu2_2"], pretrained=None)
    conv_keys = [f"{i}.{kind}" for i in (0, 2, 5, 7) for kind in ("weight", "bias")]
    ref.features.load_state_dict({k: state[f"features.{k}"] for k in conv_keys})
    x = _img(13)
    for path in (plain, wrapped):
        loaded = VGG19FeatureExtractor(["relu2_2"], pretrained=str(path))
        assert torch.equal(loaded(x)["relu2_2"], ref(x)["relu2_2"])


def test_load_weights_key_errors(tmp_path):
    state = _torchvision_state(2)
    bad = dict(state, **{"features.1.weight": torch.zeros(1)})
    torch.save(bad, tmp_path / "bad.pth")
    with pytest.raises(RuntimeError, match=r"unexpected keys \['features.1.weight'\]"):
        VGG19FeatureExtractor(["relu1_1"], pretrained=str(tmp_path / "bad.pth"))
    del state["features.7.bias"]
    torch.save(state, tmp_path / "short.pth")
    with pytest.raises(RuntimeError, match=r"missing keys \['features.7.bias'\]"):
        VGG19FeatureExtractor(["relu2_2"], pretrained=str(tmp_path / "short.pth"))
    # features.7 is not needed for relu1_2, so the same file loads
    VGG19FeatureExtractor(["relu1_2"], pretrained=str(tmp_path / "short.pth"))


def test_torchvision_hub_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(torch.hub, "_hub_dir", None)  # restored after the test
    torch.hub.set_dir(str(tmp_path / "hub"))
    (tmp_path / "hub" / "checkpoints").mkdir(parents=True)
    state = _torchvision_state(3)
    torch.save(state, tmp_path / "hub" / "checkpoints" / "vgg19-dcbb9e9d.pth")
    loss = PerceptualLoss({"conv1_1": 1.0})  # pretrained='torchvision' by default
    assert torch.equal(loss.vgg.features[0].weight, state["features.0.weight"])


def test_missing_weights_message(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "_hub_dir", str(tmp_path / "hub"))
    expected = str(tmp_path / "hub" / "checkpoints" / "vgg19-dcbb9e9d.pth")
    with pytest.raises(FileNotFoundError) as err:
        PerceptualLoss({"relu5_4": 1.0})
    message = str(err.value)
    assert expected in message and "pretrained=None" in message and "pretrained=<path" in message
    with pytest.raises(FileNotFoundError, match="nowhere.pth"):
        PerceptualLoss({"relu5_4": 1.0}, pretrained=str(tmp_path / "nowhere.pth"))


def test_random_vgg_features_keep_their_scale_to_conv5_4():
    from srzoo.models.losses.vgg import VGG19FeatureExtractor

    torch.manual_seed(0)
    vgg = VGG19FeatureExtractor(["relu1_2", "conv5_4"], pretrained=None)
    feats = vgg(torch.rand(1, 3, 64, 64))
    shallow, deep = feats["relu1_2"].std().item(), feats["conv5_4"].std().item()
    assert deep > 0.05 * shallow  # PyTorch's default init would leave ~1e-4 of it
