# Short alias: SRGAN x4 on DIV2K (see configs/srgan/README.md).
_base_ = ["./srgan/srgan_srresnet_1xb16-200k_div2k_x4.py"]
