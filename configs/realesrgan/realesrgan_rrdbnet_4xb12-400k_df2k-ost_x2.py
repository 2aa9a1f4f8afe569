# Real-ESRGAN x2plus (Wang et al., ICCVW 2021): Real-ESRGAN's options/train_realesrgan_x2plus.yml.
# The x4plus recipe at scale 2: the same data, degradation (resized to GT/2 at the end), losses
# and schedule; RRDBNet with scale 2 pixel-unshuffles its input by 2 first (conv_first takes
# 12 channels). From Real-ESRNet x2plus's EMA weights: the work dir of
# realesrnet_rrdbnet_4xb12-1000k_df2k-ost_x2.py, or RealESRNet_x2plus.pth (params_ema).
# Batch 12 per GPU on 4 GPUs.
_base_ = ["./realesrgan_rrdbnet_4xb12-400k_df2k-ost_x4.py"]
model_zoo = dict(
    name="RealESRGAN_x2plus",
    released="RealESRGAN_x2plus.pth (BasicSR RRDBNet keys, pixel-unshuffle 2, params_ema)",
)
model = dict(
    generator=dict(upscale_factor=2),
    pretrained=dict(
        path="work_dirs/realesrnet_rrdbnet_4xb12-1000k_df2k-ost_x2", prefix="generator_ema"
    ),
    data_preprocessor=dict(degradation=dict(scale=2)),
)
train_dataloader = dict(dataset=dict(scale=2))
# `srzoo test`: the bicubic x2 benchmarks (folders as in docs/datasets.md).
test_datasets = [
    dict(name=name, dataset=dict(type="PairedImageDataset", data_root=f"data/{name}",
                                 gt_folder="HR", lq_folder="LR_bicubic/X2", scale=2,
                                 test_mode=True, pipeline={{_base_.test_pipeline}}))
    for name in ("Set5", "Set14", "BSD100", "Urban100", "Manga109")
]  # fmt: skip
test_dataloader = dict(dataset=dict(lq_folder="LR_bicubic/X2", scale=2))
test_evaluator = dict(crop_border=2)
