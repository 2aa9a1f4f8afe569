# Real-ESRNet x4plus, the PSNR stage of Real-ESRGAN (Wang et al., ICCVW 2021): Real-ESRGAN's
# options/train_realesrnet_x4plus.yml. The data and degradation of the Real-ESRGAN x4plus
# config, but the GT is USM-sharpened before it is degraded and is the only target; L1 1.0;
# EMA 0.999; Adam 2e-4 (0.9, 0.99); 1M iterations; from ESRGAN's DF2K+OST weights
# (ESRGAN_SRx4_DF2KOST_official-ff704c30.pth, params_ema). Batch 12 per GPU on 4 GPUs.
_base_ = ["./realesrgan_rrdbnet_4xb12-400k_df2k-ost_x4.py"]
model_zoo = dict(
    name="RealESRNet_x4plus",
    released="RealESRNet_x4plus.pth (BasicSR RRDBNet keys, params_ema)",
)
# The x4plus degradation, with the GT sharpened first (Real-ESRNet's gt_usm: True).
degradation = dict(
    scale=4, gt_size=256, queue_size=180, gt_usm="before_degradation",
    resize_prob=(0.2, 0.7, 0.1), resize_range=(0.15, 1.5), gaussian_noise_prob=0.5,
    noise_range=(1, 30), poisson_scale_range=(0.05, 3), gray_noise_prob=0.4,
    jpeg_range=(30, 95),
    second_blur_prob=0.8, resize_prob2=(0.3, 0.4, 0.3), resize_range2=(0.3, 1.2),
    gaussian_noise_prob2=0.5, noise_range2=(1, 25), poisson_scale_range2=(0.05, 2.5),
    gray_noise_prob2=0.4, jpeg_range2=(30, 95),
)  # fmt: skip
model = dict(
    _delete_=True,
    type="RealESRNet",
    generator=dict(type="RRDBNet", in_channels=3, out_channels=3, mid_channels=64,
                   num_blocks=23, growth_channels=32, upscale_factor=4),
    pixel_loss=dict(type="L1Loss", loss_weight=1.0),
    ema=dict(momentum=0.999),
    pretrained=dict(path="pretrained/ESRGAN_SRx4_DF2KOST_official-ff704c30.pth",
                    prefix="generator_ema"),
    data_preprocessor=dict(type="RealESRGANPreprocessor", degradation=degradation),
)  # fmt: skip
train_cfg = dict(max_iters=1000000, val_interval=1000000)
optim_wrapper = dict(
    _delete_=True,
    type="OptimWrapper",
    optimizer=dict(type="Adam", lr=2e-4, betas=(0.9, 0.99), weight_decay=0),
)
param_scheduler = dict(type="MultiStepLR", by_epoch=False, milestones=[1000000], gamma=0.5)
