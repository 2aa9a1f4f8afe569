# ESRGAN's recipe (Wang et al., ECCVW 2018: RaGAN, VGG19 conv5_4 perceptual loss, L1, 128 px
# GT patches, lr 1e-4 halved at 50k/100k/200k/300k of 400k) with SwinIR as the generator:
# only generator= changes, and pretrained points at the SwinIR PSNR model to start from
# (train configs/swinir/swinir_swinir-m_1xb32-500k_div2k_x4.py first). img_size must equal
# that model's (48), since the attn_mask buffers are part of its weights.
_base_ = ["./esrgan_rrdbnet_1xb16-400k_div2k_x4.py"]
model_zoo = dict(
    _delete_=True,
    name="ESRGAN (SwinIR generator)",
    paper="ESRGAN recipe (Wang et al., ECCVW 2018) with the SwinIR generator (Liang et al., "
    "ICCVW 2021)",
    convention="RGB, crop_border=4",
    published={},  # no published numbers for this combination
)
model = dict(
    generator=dict(_delete_=True, type="SwinIR", in_channels=3, embed_dim=180,
                   depths=(6, 6, 6, 6, 6, 6), num_heads=(6, 6, 6, 6, 6, 6), window_size=8,
                   mlp_ratio=2.0, img_size=48, upsampler="pixelshuffle", mid_channels=64,
                   upscale_factor=4),
    pretrained=dict(path="work_dirs/swinir_swinir-m_1xb32-500k_div2k_x4", prefix="generator"),
)
