# CPU demo, stage 1: a small RRDBNet trained PSNR-oriented (L1) on data/demo in minutes.
_base_ = [
    "../_base_/default_runtime.py",
    "../_base_/datasets/demo_x4.py",
    "../_base_/schedules/iter_loops.py",
]
model_zoo = dict(name="RRDBNet-S (PSNR, demo)", paper="ESRGAN recipe, scaled down", published={})
model = dict(
    type="SRModel",
    generator=dict(type="RRDBNet", in_channels=3, out_channels=3, mid_channels=32,
                   num_blocks=2, growth_channels=16, upscale_factor=4),
    pixel_loss=dict(type="L1Loss", loss_weight=1.0),
    data_preprocessor=dict(type="SRDataPreprocessor"),
)
train_cfg = dict(max_iters=1000, val_interval=500)
optim_wrapper = dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=2e-3, betas=(0.9, 0.99)))
param_scheduler = dict(type="CosineAnnealingLR", by_epoch=False, T_max=1000, eta_min=1e-5)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=500, max_keep_ckpts=2),
)
custom_hooks = [dict(type="SRVisualizationHook", interval=500, num_images=3)]
