# CPU demo, stage 2: ESRGAN (RaGAN, conv5_4 perceptual, L1) from the stage-1 model.
# The demo has no VGG19 weights offline, so the perceptual loss uses a randomly initialised
# VGG19 (pretrained=None, asked for explicitly). With torchvision's vgg19-dcbb9e9d.pth in
# the torch hub cache, pass --cfg-options model.perceptual_loss.pretrained=torchvision.
_base_ = [
    "../_base_/default_runtime.py",
    "../_base_/datasets/demo_x4.py",
    "../_base_/schedules/iter_loops.py",
]
model_zoo = dict(name="ESRGAN-S (demo)", paper="ESRGAN recipe, scaled down", published={})
model = dict(
    type="ESRGAN",
    generator=dict(type="RRDBNet", in_channels=3, out_channels=3, mid_channels=32,
                   num_blocks=2, growth_channels=16, upscale_factor=4),
    discriminator=dict(type="SRGANDiscriminator", in_channels=3, mid_channels=16, input_size=64),
    pixel_loss=dict(type="L1Loss", loss_weight=1e-2),
    perceptual_loss=dict(
        type="PerceptualLoss", layer_weights={"conv5_4": 1.0}, criterion="l1", pretrained=None
    ),
    gan_loss=dict(type="GANLoss", gan_type="vanilla", loss_weight=5e-3),
    disc_steps=1,
    disc_init_steps=0,
    ema=dict(momentum=0.99),  # generator_ema, updated by the restorer after each step
    pretrained=dict(path="work_dirs/demo/rrdbnet-psnr", prefix="generator"),
    data_preprocessor=dict(type="SRDataPreprocessor"),
)
train_dataloader = dict(batch_size=4)
train_cfg = dict(max_iters=300, val_interval=150)
optim_wrapper = dict(
    constructor="MultiOptimWrapperConstructor",
    generator=dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-4, betas=(0.9, 0.99))),
    discriminator=dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=1e-4, betas=(0.9, 0.99))),
)
param_scheduler = []
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(interval=150, max_keep_ckpts=2),
)
custom_hooks = [
    dict(type="SRVisualizationHook", interval=150, num_images=3),
]
