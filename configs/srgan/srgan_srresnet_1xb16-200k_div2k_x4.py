# SRGAN x4 (Ledig et al., CVPR 2017): VGG54 content loss (relu5_4, after activation,
# features rescaled by 1/12.75, MSE) + 1e-3 adversarial loss, initialised from
# SRResNet-MSE; 1e5 updates at lr 1e-4 then 1e5 at 1e-5; G and D alternate (k = 1).
_base_ = [
    "../_base_/default_runtime.py",
    "../_base_/datasets/div2k_x4.py",
    "../_base_/schedules/iter_loops.py",
]
model_zoo = dict(
    name="SRGAN",
    paper="Ledig et al., Photo-Realistic Single Image Super-Resolution Using a GAN, CVPR 2017",
    convention="Y channel, crop_border=4",
    published={
        "Set5": dict(PSNR_Y=29.40, SSIM_Y=0.8472),
        "Set14": dict(PSNR_Y=26.02, SSIM_Y=0.7397),
        "BSD100": dict(PSNR_Y=25.16, SSIM_Y=0.6688),
    },
)
model = dict(
    type="SRGAN",
    generator=dict(type="SRResNet", in_channels=3, out_channels=3, mid_channels=64,
                   num_blocks=16, upscale_factor=4),
    discriminator=dict(type="SRGANDiscriminator", in_channels=3, mid_channels=64, input_size=96),
    perceptual_loss=dict(
        type="PerceptualLoss",
        layer_weights={"relu5_4": 1.0},
        criterion="l2",
        feature_scale=1 / 12.75,
        perceptual_weight=1.0,
        pretrained="torchvision",
    ),
    gan_loss=dict(type="GANLoss", gan_type="vanilla", loss_weight=1e-3),
    disc_steps=1,
    disc_init_steps=0,
    pretrained=dict(
        path="work_dirs/srresnet-mse_srresnet_1xb16-1000k_div2k_x4", prefix="generator"
    ),
    data_preprocessor=dict(type="SRDataPreprocessor"),
)
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type="LoadImageFromFile", key="gt"),
    dict(type="LoadImageFromFile", key="lq"),
    dict(type="PairedRandomCrop", gt_patch_size=96),
    dict(type="PairedFlipRot"),
    dict(type="PackSRInputs"),
]))
train_cfg = dict(max_iters=200000, val_interval=5000)
optim_wrapper = dict(
    constructor="MultiOptimWrapperConstructor",
    generator=dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-4, betas=(0.9, 0.999))),
    discriminator=dict(
        type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-4, betas=(0.9, 0.999))
    ),
)
param_scheduler = dict(type="MultiStepLR", by_epoch=False, milestones=[100000], gamma=0.1)
