# ESRGAN x4 (Wang et al., ECCVW 2018): RaGAN, L_G = L_percep + 5e-3 L_G^Ra + 1e-2 L1,
# VGG19 conv5_4 features before activation (L1); lr 1e-4 halved at 50k/100k/200k/300k,
# 400k iterations, batch 16, 128x128 GT patches, initialised from RRDB_PSNR.
_base_ = [
    "../_base_/default_runtime.py",
    "../_base_/datasets/div2k_x4.py",
    "../_base_/schedules/iter_loops.py",
]
model_zoo = dict(
    name="ESRGAN",
    paper="Wang et al., ESRGAN: Enhanced Super-Resolution GANs, ECCV Workshops 2018",
    convention="RGB, crop_border=4 (MMagic model zoo)",
    published={
        "Set5": dict(PSNR=28.2700, SSIM=0.7778),
        "Set14": dict(PSNR=24.6328, SSIM=0.6491),
        "DIV2K": dict(PSNR=26.6531, SSIM=0.7340),
    },
)
model = dict(
    type="ESRGAN",
    generator=dict(type="RRDBNet", in_channels=3, out_channels=3, mid_channels=64,
                   num_blocks=23, growth_channels=32, upscale_factor=4),
    discriminator=dict(type="VGGStyleDiscriminator", in_channels=3, mid_channels=64,
                       input_size=128),
    pixel_loss=dict(type="L1Loss", loss_weight=1e-2),
    perceptual_loss=dict(
        type="PerceptualLoss",
        layer_weights={"conv5_4": 1.0},
        criterion="l1",
        perceptual_weight=1.0,
        pretrained="torchvision",
    ),
    gan_loss=dict(type="GANLoss", gan_type="vanilla", loss_weight=5e-3),
    disc_steps=1,
    disc_init_steps=0,
    pretrained=dict(
        path="work_dirs/rrdbnet-psnr_rrdbnet_1xb16-1000k_div2k_x4", prefix="generator"
    ),
    data_preprocessor=dict(type="SRDataPreprocessor"),
)
train_cfg = dict(max_iters=400000, val_interval=5000)
optim_wrapper = dict(
    constructor="MultiOptimWrapperConstructor",
    generator=dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-4, betas=(0.9, 0.999))),
    discriminator=dict(
        type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-4, betas=(0.9, 0.999))
    ),
)
param_scheduler = dict(
    type="MultiStepLR", by_epoch=False, milestones=[50000, 100000, 200000, 300000], gamma=0.5
)
