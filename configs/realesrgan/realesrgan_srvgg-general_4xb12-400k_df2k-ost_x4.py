# realesr-general-x4v3 (Real-ESRGAN v0.2.5.0): the compact SRVGGNetCompact generator (64
# features, 32 convs, PReLU, output + nearest-upsampled input) trained with Real-ESRGAN's
# degradation and losses. Real-ESRGAN released no training options for it; this config is the
# x4plus GAN recipe (options/train_realesrgan_x4plus.yml) with the compact generator.
# realesr-general-wdn-x4v3 is its "weak denoise" twin: blend the two with
# `srzoo interpolate` for Real-ESRGAN's --denoise_strength (configs/realesrgan/README.md).
# Batch 12 per GPU on 4 GPUs.
_base_ = ["./realesrgan_rrdbnet_4xb12-400k_df2k-ost_x4.py"]
model_zoo = dict(
    name="realesr-general-x4v3",
    released="realesr-general-x4v3.pth, realesr-general-wdn-x4v3.pth (SRVGGNetCompact, params)",
)
model = dict(
    generator=dict(_delete_=True, type="SRVGGNetCompact", in_channels=3, out_channels=3,
                   mid_channels=64, num_convs=32, upscale_factor=4, act_type="prelu"),
    pretrained=None,
)  # fmt: skip
