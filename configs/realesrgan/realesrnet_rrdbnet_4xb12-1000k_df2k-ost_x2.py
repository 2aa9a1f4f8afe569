# Real-ESRNet x2plus, the PSNR stage of Real-ESRGAN x2plus (Wang et al., ICCVW 2021):
# Real-ESRGAN's options/train_realesrnet_x2plus.yml. The Real-ESRNet x4plus recipe at scale 2
# (degraded to GT/2; RRDBNet pixel-unshuffles its input by 2, so conv_first takes 12
# channels), started from RealESRGAN_x4plus.pth's EMA weights with strict_load_g: False:
# every tensor but conv_first (whose shape differs) is loaded. Batch 12 per GPU on 4 GPUs.
_base_ = ["./realesrnet_rrdbnet_4xb12-1000k_df2k-ost_x4.py"]
model_zoo = dict(
    name="RealESRNet_x2plus",
    released="RealESRNet_x2plus.pth (BasicSR RRDBNet keys, pixel-unshuffle 2, params_ema)",
)
model = dict(
    generator=dict(upscale_factor=2),
    pretrained=dict(path="pretrained/RealESRGAN_x4plus.pth", prefix="generator_ema",
                    strict=False, skip_mismatched=True),
    data_preprocessor=dict(degradation=dict(scale=2)),
)  # fmt: skip
train_dataloader = dict(dataset=dict(scale=2))
# `srzoo test`: the bicubic x2 benchmarks, as in realesrgan_rrdbnet_4xb12-400k_df2k-ost_x2.py.
test_datasets = [
    dict(name=name, dataset=dict(type="PairedImageDataset", data_root=f"data/{name}",
                                 gt_folder="HR", lq_folder="LR_bicubic/X2", scale=2,
                                 test_mode=True, pipeline={{_base_.test_pipeline}}))
    for name in ("Set5", "Set14", "BSD100", "Urban100", "Manga109")
]  # fmt: skip
test_dataloader = dict(dataset=dict(lq_folder="LR_bicubic/X2", scale=2))
test_evaluator = dict(crop_border=2)
