# Runtime shared by every srzoo config: scope, logging, checkpoints, hooks, environment.
default_scope = "srzoo"

env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method="fork", opencv_num_threads=0),
    dist_cfg=dict(backend="nccl"),  # tools/train.py switches to gloo when there is no GPU
)
log_level = "INFO"
log_processor = dict(type="LogProcessor", window_size=100, by_epoch=False)
default_hooks = dict(
    timer=dict(type="IterTimerHook"),
    # iteration-based runs log validation metrics at their iteration, not at "epoch 0"
    logger=dict(type="LoggerHook", interval=100, log_metric_by_epoch=False),
    param_scheduler=dict(type="ParamSchedulerHook"),
    checkpoint=dict(
        type="AtomicCheckpointHook",  # atomic files; SRRunner adds RNG and data position
        interval=5000,
        by_epoch=False,
        max_keep_ckpts=5,
        save_best="PSNR_Y",
        rule="greater",
    ),
    sampler_seed=dict(type="DistSamplerSeedHook"),
)
custom_hooks = [dict(type="SRVisualizationHook", interval=5000, num_images=4)]
# TensorBoard: `srzoo train CONFIG --tensorboard` (pip install "srzoo[tensorboard]").
vis_backends = [dict(type="LocalVisBackend")]
visualizer = dict(type="Visualizer", vis_backends=vis_backends)
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
# GAN restorers run their own train_step, so DDP wraps generator and discriminator apart.
model_wrapper_cfg = dict(type="MMSeparateDistributedDataParallel", find_unused_parameters=False)
