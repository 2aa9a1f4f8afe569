# Short alias: ESRGAN x4 on DIV2K (see configs/esrgan/README.md).
_base_ = ["./esrgan/esrgan_rrdbnet_1xb16-400k_div2k_x4.py"]
