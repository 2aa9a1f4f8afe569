# SwinIR x4, classical SR, trained on DIV2K (Liang et al., ICCVW 2021): embed 180, 6 RSTBs of
# 6 Swin layers, 6 heads, window 8, MLP ratio 2, pixelshuffle upsampler. Paper recipe: L1,
# 48x48 LR patches (192 GT), batch 32, Adam lr 2e-4 halved at 250k/400k/450k/475k of 500k
# iterations; the official code keeps an EMA (0.999) of the weights and evaluates it.
_base_ = [
    "../_base_/default_runtime.py",
    "../_base_/datasets/div2k_x4.py",
    "../_base_/schedules/iter_loops.py",
]
model_zoo = dict(
    name="SwinIR (DIV2K)",
    paper="Liang et al., SwinIR: Image Restoration Using Swin Transformer, ICCVW 2021",
    convention="Y channel, crop_border=4",
    published={
        "Set5": dict(PSNR_Y=32.72, SSIM_Y=0.9021),
        "Set14": dict(PSNR_Y=28.94, SSIM_Y=0.7914),
        "BSD100": dict(PSNR_Y=27.83, SSIM_Y=0.7459),
        "Urban100": dict(PSNR_Y=27.07, SSIM_Y=0.8164),
        "Manga109": dict(PSNR_Y=31.67, SSIM_Y=0.9226),
    },
)
model = dict(
    type="SRModel",
    # img_size = the LR patch, as the official 001_classicalSR_DIV2K_s48w8 checkpoints
    generator=dict(type="SwinIR", in_channels=3, embed_dim=180, depths=(6, 6, 6, 6, 6, 6),
                   num_heads=(6, 6, 6, 6, 6, 6), window_size=8, mlp_ratio=2.0, img_size=48,
                   upsampler="pixelshuffle", mid_channels=64, upscale_factor=4),
    pixel_loss=dict(type="L1Loss", loss_weight=1.0),
    ema=dict(momentum=0.999),  # generator_ema, evaluated in validation and test
    data_preprocessor=dict(type="SRDataPreprocessor"),
)
train_dataloader = dict(batch_size=32, dataset=dict(pipeline=[
    dict(type="LoadImageFromFile", key="gt"),
    dict(type="LoadImageFromFile", key="lq"),
    dict(type="PairedRandomCrop", gt_patch_size=192),
    dict(type="PairedFlipRot", hflip=True, vflip=True, rot90=True),
    dict(type="PackSRInputs"),
]))
train_cfg = dict(max_iters=500000, val_interval=5000)
optim_wrapper = dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=2e-4, betas=(0.9, 0.999)))
param_scheduler = dict(
    type="MultiStepLR", by_epoch=False, milestones=[250000, 400000, 450000, 475000], gamma=0.5
)
