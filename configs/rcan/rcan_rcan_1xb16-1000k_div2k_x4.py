# RCAN x4 (Zhang et al., ECCV 2018): 10 residual groups x 20 RCABs, 64 channels, channel
# attention reduction 16. Paper recipe: L1, 48x48 LR RGB patches (192 GT) with flips and
# rotations, batch 16, Adam (0.9, 0.999, eps 1e-8), lr 1e-4 halved every 2e5 iterations.
# The paper does not state the length; 1M iterations here (BasicSR shortens it to 300k).
_base_ = [
    "../_base_/default_runtime.py",
    "../_base_/datasets/div2k_x4.py",
    "../_base_/schedules/iter_loops.py",
]
model_zoo = dict(
    name="RCAN",
    paper="Zhang et al., Image Super-Resolution Using Very Deep Residual Channel Attention "
    "Networks, ECCV 2018",
    convention="Y channel, crop_border=4",
    published={
        "Set5": dict(PSNR_Y=32.63, SSIM_Y=0.9002),
        "Set14": dict(PSNR_Y=28.87, SSIM_Y=0.7889),
        "BSD100": dict(PSNR_Y=27.77, SSIM_Y=0.7436),
        "Urban100": dict(PSNR_Y=26.82, SSIM_Y=0.8087),
        "Manga109": dict(PSNR_Y=31.22, SSIM_Y=0.9173),
    },
)
model = dict(
    type="SRModel",
    generator=dict(type="RCAN", in_channels=3, out_channels=3, mid_channels=64, num_groups=10,
                   num_blocks=20, squeeze_factor=16, upscale_factor=4),
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
train_cfg = dict(max_iters=1000000, val_interval=5000)
optim_wrapper = dict(
    type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
)
param_scheduler = dict(
    type="MultiStepLR", by_epoch=False, milestones=[200000, 400000, 600000, 800000], gamma=0.5
)
