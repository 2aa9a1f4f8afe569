# CPU demo, stage 2: ESRGAN's recipe (RaGAN, conv5_4 perceptual, L1) on the stage-1
# MSRResNet, initialised from it as in the paper (model.pretrained.path). Losses,
# discriminator and optimizers are those of the RRDBNet demo's stage 2 (the base), including
# its randomly initialised VGG19: the demo has no VGG19 weights offline. With torchvision's
# vgg19-dcbb9e9d.pth in the torch hub cache, pass
# --cfg-options model.perceptual_loss.pretrained=torchvision.
_base_ = ["./esrgan_rrdbnet-s_1xb4-300_demo_x4.py"]
model_zoo = dict(name="ESRGAN-S (MSRResNet, demo)")
model = dict(
    generator=dict(_delete_=True, type="MSRResNet", in_channels=3, out_channels=3,
                   mid_channels=32, num_blocks=10, upscale_factor=4),
    pretrained=dict(path="work_dirs/demo/psnr"),
)  # fmt: skip
# 16x16 LR patches (64 GT, the discriminator's input), batch 4, made in this process from
# the cached photos (see the PSNR config).
train_dataloader = dict(num_workers=0, persistent_workers=False, prefetch_factor=None)
max_iters = 300
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=max_iters, max_keep_ckpts=1, save_best=None),
)
custom_hooks = [dict(type="SRVisualizationHook", interval=max_iters, num_images=4)]
