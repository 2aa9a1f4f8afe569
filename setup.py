"""srzoo: a plugin-based model zoo for GAN super-resolution."""

from setuptools import find_packages, setup

EXTRAS = {
    "onnx": ["onnx>=1.15", "onnxruntime>=1.17", "onnxscript>=0.1"],
    "lmdb": ["lmdb>=1.4"],
    "tensorboard": ["tensorboard>=2.14"],
    "demo": ["scikit-image>=0.21", "matplotlib>=3.5"],
}
EXTRAS["test"] = sorted(
    {"pytest>=7", "pytest-xdist>=3", "ruff>=0.5"}
    | set(EXTRAS["onnx"] + EXTRAS["lmdb"] + EXTRAS["demo"] + EXTRAS["tensorboard"])
)

setup(
    name="srzoo",
    version="0.1.0",
    description="Plugin-based model zoo for GAN super-resolution (SRGAN, ESRGAN) on mmengine",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.9",
    packages=find_packages(include=["srzoo", "srzoo.*"]),
    # NIQE's pristine model (srzoo/evaluation/data/README.md says where it comes from).
    package_data={"srzoo.evaluation": ["data/*.npz", "data/README.md"]},
    install_requires=[
        "torch>=2.1",
        "mmengine>=0.10.4,<0.11",
        "mmcv-lite>=2.0",
        "opencv-python-headless>=4.7",
        "numpy>=1.23",
        "addict",
        "yapf",
        "tqdm",
        "safetensors>=0.4",
        "scipy>=1.10",  # NIQE (scipy.ndimage.convolve, scipy.special.gamma)
    ],
    extras_require=EXTRAS,
    entry_points={"console_scripts": ["srzoo=srzoo.cli:main"]},
)
