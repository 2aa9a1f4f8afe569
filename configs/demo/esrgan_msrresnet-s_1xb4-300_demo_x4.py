# CPU demo, stage 2: ESRGAN's recipe (RaGAN, conv5_4 perceptual, L1) on the stage-1
# MSRResNet, initialised from it as in the paper (model.pretrained.path).
# The demo has no VGG19 weights offline, so the perceptual loss uses a randomly initialised
# VGG19 (pretrained=None, asked for explicitly). With torchvision's vgg19-dcbb9e9d.pth in
# the torch hub cache, pass --cfg-options model.perceptual_loss.pretrained=torchvision.
_base_ = [
    "../_base_/default_runtime.py",
    "../_base_/datasets/demo_x4.py",
    "../_base_/schedules/iter_loops.py",
]
model_zoo = dict(name="ESRGAN-S (MSRResNet, demo)", paper="ESRGAN recipe, scaled down",
                 published={})  # fmt: skip
model = dict(
    type="ESRGAN",
    generator=dict(type="MSRResNet", in_channels=3, out_channels=3, mid_channels=32,
                   num_blocks=10, upscale_factor=4),
    discriminator=dict(type="SRGANDiscriminator", in_channels=3, mid_channels=16, input_size=64),
    pixel_loss=dict(type="L1Loss", loss_weight=1e-2),
    perceptual_loss=dict(
        type="PerceptualLoss", layer_weights={"conv5_4": 1.0}, criterion="l1", pretrained=None
    ),
    gan_loss=dict(type="GANLoss", gan_type="vanilla", loss_weight=5e-3),
    disc_steps=1,
    disc_init_steps=0,
    ema=dict(momentum=0.99),  # generator_ema, updated by the restorer after each step
    pretrained=dict(path="work_dirs/demo/psnr", prefix="generator"),
    data_preprocessor=dict(type="SRDataPreprocessor"),
)
# 16x16 LR patches (64 GT, the discriminator's input), batch 4, made in this process from
# the cached photos (see the PSNR config).
train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False, prefetch_factor=None)
max_iters = 300
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
optim_wrapper = dict(
    constructor="MultiOptimWrapperConstructor",
    generator=dict(
        type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-4, betas=(0.9, 0.99))
    ),
    discriminator=dict(
        type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-4, betas=(0.9, 0.99))
    ),
)
param_scheduler = []
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=max_iters, max_keep_ckpts=1, save_best=None),
)
custom_hooks = [dict(type="SRVisualizationHook", interval=max_iters, num_images=4)]
