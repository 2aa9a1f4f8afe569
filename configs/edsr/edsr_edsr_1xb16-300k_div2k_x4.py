# EDSR x4, the paper's model (Lim et al., CVPRW 2017): 32 blocks, 256 channels, residual
# scaling 0.1. Paper recipe: L1, 48x48 LR RGB patches (192 GT) with flips and rotations,
# batch 16, Adam (0.9, 0.999, eps 1e-8), lr 1e-4 halved every 2e5 updates; 300k updates as
# EDSR-PyTorch (300 epochs of 1000 batches). The paper initialises x3/x4 from its x2 model.
_base_ = [
    "../_base_/default_runtime.py",
    "../_base_/datasets/div2k_x4.py",
    "../_base_/schedules/iter_loops.py",
]
model_zoo = dict(
    name="EDSR",
    paper="Lim et al., Enhanced Deep Residual Networks for Single Image Super-Resolution, "
    "CVPRW 2017",
    convention="Y channel, crop_border=4",
    published={
        "Set5": dict(PSNR_Y=32.46, SSIM_Y=0.8968),
        "Set14": dict(PSNR_Y=28.80, SSIM_Y=0.7876),
        "BSD100": dict(PSNR_Y=27.71, SSIM_Y=0.7420),
        "Urban100": dict(PSNR_Y=26.64, SSIM_Y=0.8033),
        "Manga109": dict(PSNR_Y=31.02, SSIM_Y=0.9148),
    },
)
model = dict(
    type="SRModel",
    generator=dict(type="EDSR", in_channels=3, out_channels=3, mid_channels=256,
                   num_blocks=32, res_scale=0.1, upscale_factor=4),
    pixel_loss=dict(type="L1Loss", loss_weight=1.0),
    data_preprocessor=dict(type="SRDataPreprocessor"),
)
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type="LoadImageFromFile", key="gt"),
    dict(type="LoadImageFromFile", key="lq"),
    dict(type="PairedRandomCrop", gt_patch_size=192),
    dict(type="PairedFlipRot", hflip=True, vflip=True, rot90=True),
    dict(type="PackSRInputs"),
]))
train_cfg = dict(max_iters=300000, val_interval=5000)
optim_wrapper = dict(
    type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
)
param_scheduler = dict(type="MultiStepLR", by_epoch=False, milestones=[200000], gamma=0.5)
