# RRDB_PSNR x4, ESRGAN's PSNR-oriented pre-training (Wang et al., ECCVW 2018):
# L1, lr 2e-4 halved every 2e5 updates, batch 16, 128x128 HR patches.
_base_ = [
    "../_base_/default_runtime.py",
    "../_base_/datasets/div2k_x4.py",
    "../_base_/schedules/iter_loops.py",
]
model_zoo = dict(
    name="RRDBNet (PSNR)",
    paper="Wang et al., ESRGAN: Enhanced Super-Resolution GANs, ECCV Workshops 2018",
    convention="Y channel, crop_border=4",
    published={
        "Set5": dict(PSNR_Y=32.73, SSIM_Y=0.9011),
        "Set14": dict(PSNR_Y=28.99, SSIM_Y=0.7917),
        "BSD100": dict(PSNR_Y=27.85, SSIM_Y=0.7455),
        "Urban100": dict(PSNR_Y=27.03, SSIM_Y=0.8153),
        "Manga109": dict(PSNR_Y=31.66, SSIM_Y=0.9196),
    },
)
model = dict(
    type="SRModel",
    generator=dict(type="RRDBNet", in_channels=3, out_channels=3, mid_channels=64,
                   num_blocks=23, growth_channels=32, upscale_factor=4),
    pixel_loss=dict(type="L1Loss", loss_weight=1.0),
    data_preprocessor=dict(type="SRDataPreprocessor"),
)
train_cfg = dict(max_iters=1000000, val_interval=5000)
optim_wrapper = dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=2e-4, betas=(0.9, 0.999)))
param_scheduler = dict(
    type="MultiStepLR", by_epoch=False, milestones=[200000, 400000, 600000, 800000], gamma=0.5
)
