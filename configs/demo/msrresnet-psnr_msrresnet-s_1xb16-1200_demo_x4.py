# CPU demo, stage 1: a small MSRResNet (SRResNet without batch norm, as in BasicSR; 10
# blocks, 32 channels) trained PSNR-oriented (L1) on data/demo: under 5 minutes on 2 cores
# with `tools/train.py --amp auto` (bf16 autocast + channels_last where the CPU runs bf16).
# Most of its cost is the x2 and x4 upsampling convolutions, so blocks at the LR size are
# cheap: 10 blocks cost 1.25x 4 blocks a step and reach more in the same time.
_base_ = [
    "../_base_/default_runtime.py",
    "../_base_/datasets/demo_x4.py",
    "../_base_/schedules/iter_loops.py",
]
model_zoo = dict(name="MSRResNet-S (PSNR, demo)", paper="SRResNet recipe, scaled down",
                 published={})  # fmt: skip
model = dict(
    type="SRModel",
    generator=dict(type="MSRResNet", in_channels=3, out_channels=3, mid_channels=32,
                   num_blocks=10, upscale_factor=4),
    pixel_loss=dict(type="L1Loss", loss_weight=1.0),
    data_preprocessor=dict(type="SRDataPreprocessor"),
)
# 32x32 LR patches (128 GT), 16 a batch, as in SRResNet / ESRGAN's PSNR stage. The decoded
# photos are cached and cropped in the training process: a batch costs ~6 ms to make, less
# than handing one over from a worker process, which would also compete for the 2 cores.
gt_patch_size = 128
train_pipeline = [
    dict(type="LoadImageFromFile", key="gt", cache=True),
    dict(type="LoadImageFromFile", key="lq", cache=True),
    dict(type="PairedRandomCrop", gt_patch_size=gt_patch_size),
    dict(type="PairedFlipRot", hflip=True, vflip=True, rot90=True),
    dict(type="PackSRInputs"),
]
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    prefetch_factor=None,
    dataset=dict(pipeline=train_pipeline),
)
max_iters = 1200
# One validation, at the end, for the log: the held-out photos never pick a checkpoint.
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
optim_wrapper = dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-3, betas=(0.9, 0.99)))
param_scheduler = dict(type="CosineAnnealingLR", by_epoch=False, T_max=max_iters, eta_min=1e-5)
default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(interval=max_iters, max_keep_ckpts=1, save_best=None),
)
custom_hooks = [dict(type="SRVisualizationHook", interval=max_iters, num_images=4)]
