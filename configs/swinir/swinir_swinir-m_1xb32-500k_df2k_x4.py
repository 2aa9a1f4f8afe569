# SwinIR x4, classical SR, trained on DF2K (DIV2K + Flickr2K, 3450 images): the DIV2K recipe
# with 64x64 LR patches (256 GT) and img_size 64, as the official 001_classicalSR_DF2K_s64w8
# model (Liang et al., ICCVW 2021). Data: data/DF2K/DF2K_train_HR_sub and
# DF2K_train_LR_bicubic/X4_sub, made like DIV2K's sub-images (docs/datasets.md).
_base_ = ["./swinir_swinir-m_1xb32-500k_div2k_x4.py"]
model_zoo = dict(
    name="SwinIR (DF2K)",
    published={
        "Set5": dict(PSNR_Y=32.92, SSIM_Y=0.9044),
        "Set14": dict(PSNR_Y=29.09, SSIM_Y=0.7950),
        "BSD100": dict(PSNR_Y=27.92, SSIM_Y=0.7489),
        "Urban100": dict(PSNR_Y=27.45, SSIM_Y=0.8254),
        "Manga109": dict(PSNR_Y=32.03, SSIM_Y=0.9260),
    },
)
model = dict(generator=dict(img_size=64))
train_dataloader = dict(dataset=dict(
    data_root="data/DF2K",
    gt_folder="DF2K_train_HR_sub",
    lq_folder="DF2K_train_LR_bicubic/X4_sub",
    pipeline=[
        dict(type="LoadImageFromFile", key="gt"),
        dict(type="LoadImageFromFile", key="lq"),
        dict(type="PairedRandomCrop", gt_patch_size=256),
        dict(type="PairedFlipRot", hflip=True, vflip=True, rot90=True),
        dict(type="PackSRInputs"),
    ],
))
