# Real-ESRGAN x4plus (Wang et al., ICCVW 2021, arXiv 2107.10833): Real-ESRGAN's
# options/train_realesrgan_x4plus.yml. GT patches of DF2K+OST (crop/pad 400, h-flip) are
# degraded on the training device (second-order blur / resize / noise / JPEG, final sinc +
# JPEG, 256 GT crop, pool of 180); L1 1.0 + perceptual 1.0 (conv1_2 0.1, conv2_2 0.1,
# conv3_4/conv4_4/conv5_4 1, before activation) on the USM-sharpened GT, vanilla GAN 0.1 with
# UNetDiscriminatorSN on the plain GT; EMA 0.999; Adam 1e-4 (0.9, 0.99) for G and D; 400k
# iterations; from Real-ESRNet x4plus. Batch 12 per GPU on 4 GPUs (48 in all):
# `tools/dist_train.sh CONFIG 4`. Data: data/DF2K as Real-ESRGAN's docs/Training.md makes it
# (multiscale DF2K + OST sub-images, listed in meta_info/meta_info_DF2Kmultiscale+OST_sub.txt).
_base_ = [
    "../_base_/default_runtime.py",
    "../_base_/datasets/div2k_x4.py",  # the bicubic x4 benchmarks of `srzoo test`
    "../_base_/schedules/iter_loops.py",
]
model_zoo = dict(
    name="RealESRGAN_x4plus",
    paper="Wang et al., Real-ESRGAN: Training Real-World Blind Super-Resolution with Pure "
    "Synthetic Data, ICCVW 2021",
    convention="no paired benchmark published (the paper shows NIQE and visual results)",
    published={},
    released="RealESRGAN_x4plus.pth (BasicSR RRDBNet keys, params_ema)",
)
# Real-ESRGAN's option names; stage 2's end in "2", jpeg_range2 is the final JPEG's.
degradation = dict(
    scale=4, gt_size=256, queue_size=180,
    resize_prob=(0.2, 0.7, 0.1), resize_range=(0.15, 1.5), gaussian_noise_prob=0.5,
    noise_range=(1, 30), poisson_scale_range=(0.05, 3), gray_noise_prob=0.4,
    jpeg_range=(30, 95),
    second_blur_prob=0.8, resize_prob2=(0.3, 0.4, 0.3), resize_range2=(0.3, 1.2),
    gaussian_noise_prob2=0.5, noise_range2=(1, 25), poisson_scale_range2=(0.05, 2.5),
    gray_noise_prob2=0.4, jpeg_range2=(30, 95),
)  # fmt: skip
_kernels = ("iso", "aniso", "generalized_iso", "generalized_aniso", "plateau_iso",
            "plateau_aniso")  # fmt: skip
_kernel_prob = (0.45, 0.25, 0.12, 0.03, 0.12, 0.03)
blur_kernels = dict(
    type="RealESRGANKernels",
    blur_kernel_size=21, kernel_list=_kernels, kernel_prob=_kernel_prob, sinc_prob=0.1,
    blur_sigma=(0.2, 3), betag_range=(0.5, 4), betap_range=(1, 2),
    blur_kernel_size2=21, kernel_list2=_kernels, kernel_prob2=_kernel_prob, sinc_prob2=0.1,
    blur_sigma2=(0.2, 1.5), betag_range2=(0.5, 4), betap_range2=(1, 2),
    final_sinc_prob=0.8,
)  # fmt: skip
model = dict(
    type="RealESRGAN",
    generator=dict(type="RRDBNet", in_channels=3, out_channels=3, mid_channels=64,
                   num_blocks=23, growth_channels=32, upscale_factor=4),
    discriminator=dict(type="UNetDiscriminatorSN", in_channels=3, mid_channels=64,
                       skip_connection=True),
    pixel_loss=dict(type="L1Loss", loss_weight=1.0),
    perceptual_loss=dict(
        type="PerceptualLoss",
        layer_weights={"conv1_2": 0.1, "conv2_2": 0.1, "conv3_4": 1.0, "conv4_4": 1.0,
                       "conv5_4": 1.0},
        use_input_norm=True, range_norm=False, perceptual_weight=1.0, style_weight=0.0,
        criterion="l1", pretrained="torchvision",
    ),
    gan_loss=dict(type="GANLoss", gan_type="vanilla", real_label_val=1.0, fake_label_val=0.0,
                  loss_weight=0.1),
    disc_steps=1,
    disc_init_steps=0,
    ema=dict(momentum=0.999),
    # Real-ESRNet x4plus's EMA weights (a work dir, or RealESRNet_x4plus.pth: params_ema)
    pretrained=dict(
        path="work_dirs/realesrnet_rrdbnet_4xb12-1000k_df2k-ost_x4", prefix="generator_ema"
    ),
    data_preprocessor=dict(type="RealESRGANPreprocessor", degradation=degradation,
                           l1_gt_usm=True, percep_gt_usm=True, gan_gt_usm=False),
)  # fmt: skip
train_pipeline = [
    dict(type="LoadImageFromFile", key="gt"),
    dict(type="PairedFlipRot", hflip=True, vflip=False, rot90=False, keys=("gt",)),
    dict(type="RandomCropPadGT", size=400),
    blur_kernels,
    dict(type="PackRealESRGANInputs"),
]
train_dataloader = dict(
    _delete_=True,
    batch_size=12,  # per GPU; the published run used 4 GPUs
    num_workers=5,
    persistent_workers=True,
    pin_memory=True,
    prefetch_factor=4,
    sampler=dict(type="ResumableInfiniteSampler", shuffle=True),
    collate_fn=dict(type="default_collate"),
    dataset=dict(
        type="GTOnlyDataset",
        data_root="data/DF2K",
        gt_folder=".",
        meta_info_file="meta_info/meta_info_DF2Kmultiscale+OST_sub.txt",
        scale=4,
        pipeline=train_pipeline,
    ),
)
# The published runs do not validate; `srzoo test` reads test_datasets (bicubic x4).
val_dataloader = None
val_cfg = None
val_evaluator = None
train_cfg = dict(max_iters=400000, val_interval=400000)
default_hooks = dict(checkpoint=dict(interval=5000, save_best=None))
custom_hooks = []
optim_wrapper = dict(
    constructor="MultiOptimWrapperConstructor",
    generator=dict(type="OptimWrapper",
                   optimizer=dict(type="Adam", lr=1e-4, betas=(0.9, 0.99), weight_decay=0)),
    discriminator=dict(type="OptimWrapper",
                       optimizer=dict(type="Adam", lr=1e-4, betas=(0.9, 0.99), weight_decay=0)),
)  # fmt: skip
param_scheduler = dict(type="MultiStepLR", by_epoch=False, milestones=[400000], gamma=0.5)
