# MSRResNet x4: BasicSR / MMagic's modified SRResNet (no BN), L1, 128 patches,
# Adam lr 2e-4 with cosine restarts every 250k iterations, 1M iterations.
_base_ = [
    "../_base_/default_runtime.py",
    "../_base_/datasets/div2k_x4.py",
    "../_base_/schedules/iter_loops.py",
]
model_zoo = dict(
    name="MSRResNet",
    paper="Wang et al., BasicSR; MMagic srgan_resnet model zoo",
    convention="RGB, crop_border=4",
    published={
        "Set5": dict(PSNR=30.2252, SSIM=0.8491),
        "Set14": dict(PSNR=26.7762, SSIM=0.7369),
        "DIV2K": dict(PSNR=28.9748, SSIM=0.8178),
    },
)
model = dict(
    type="SRModel",
    generator=dict(type="MSRResNet", in_channels=3, out_channels=3, mid_channels=64,
                   num_blocks=16, upscale_factor=4),
    pixel_loss=dict(type="L1Loss", loss_weight=1.0),
    data_preprocessor=dict(type="SRDataPreprocessor"),
)
train_cfg = dict(max_iters=1000000, val_interval=5000)
optim_wrapper = dict(type="OptimWrapper", optimizer=dict(type="Adam", lr=2e-4, betas=(0.9, 0.999)))
param_scheduler = dict(
    type="CosineRestartLR",
    by_epoch=False,
    periods=[250000, 250000, 250000, 250000],
    restart_weights=[1, 1, 1, 1],
    eta_min=1e-7,
)
