# SRResNet-MSE x4, the SRGAN paper's PSNR model (Ledig et al., CVPR 2017).
# Paper recipe: MSE, Adam(0.9) lr 1e-4 for 1e6 updates, batch 16 of 96x96 HR crops.
# The paper trained on 350k ImageNet images; srzoo reads DIV2K sub-images by default.
_base_ = [
    "../_base_/default_runtime.py",
    "../_base_/datasets/div2k_x4.py",
    "../_base_/schedules/iter_loops.py",
]
model_zoo = dict(
    name="SRResNet-MSE",
    paper="Ledig et al., Photo-Realistic Single Image Super-Resolution Using a GAN, CVPR 2017",
    convention="Y channel, crop_border=4",
    published={
        "Set5": dict(PSNR_Y=32.05, SSIM_Y=0.9019),
        "Set14": dict(PSNR_Y=28.49, SSIM_Y=0.8184),
        "BSD100": dict(PSNR_Y=27.58, SSIM_Y=0.7620),
    },
)
model = dict(
    type="SRModel",
    generator=dict(type="SRResNet", in_channels=3, out_channels=3, mid_channels=64,
                   num_blocks=16, upscale_factor=4),
    pixel_loss=dict(type="MSELoss", loss_weight=1.0),
    data_preprocessor=dict(type="SRDataPreprocessor"),
)
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type="LoadImageFromFile", key="gt"),
    dict(type="LoadImageFromFile", key="lq"),
    dict(type="PairedRandomCrop", gt_patch_size=96),
    dict(type="PairedFlipRot"),
    dict(type="PackSRInputs"),
]))
train_cfg = dict(max_iters=1000000, val_interval=5000)
optim_wrapper = dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-4, betas=(0.9, 0.999)))
param_scheduler = []
