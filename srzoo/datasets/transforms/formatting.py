"""Pack a result dict into the restorer's ``inputs`` tensor and data sample."""

from pathlib import Path

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import BaseDataElement

from srzoo.registry import TRANSFORMS


def to_chw_tensor(img: np.ndarray) -> torch.Tensor:
    """Convert an (H, W, C) or (H, W) image to a float32 (C, H, W) tensor on [0, 255].

    uint16 images are divided by 257 so 16-bit data lands on the 8-bit scale.

    Args:
        img (np.ndarray): uint8, uint16 or float array.

    Returns:
        torch.Tensor: float32, shape (C, H, W).
    """
    if img.ndim == 2:
        img = img[:, :, None]
    scale = 257.0 if img.dtype == np.uint16 else 1.0
    chw = np.ascontiguousarray(img.transpose(2, 0, 1)).astype(np.float32)
    if scale != 1.0:
        chw /= np.float32(scale)
    return torch.from_numpy(chw)


@TRANSFORMS.register_module()
class PackSRInputs(BaseTransform):
    """Pack ``lq`` (and ``gt``) for the restorer.

    Required keys: ``lq``. Optional: ``gt``, ``lq_path``, ``gt_path``, ``scale``,
    ``ori_lq_shape``.

    Returns a dict with:

    - ``inputs``: float32 tensor (C, h, w), RGB on [0, 255];
    - ``data_samples``: a ``BaseDataElement`` with the field ``gt_img`` (float32
      (C, H, W) on [0, 255], when ``gt`` is present) and the metainfo ``lq_path``,
      ``gt_path``, ``scale``, ``img_name`` (file stem) and ``ori_lq_shape`` (h, w, C).
    """

    def transform(self, results: dict) -> dict:
        """Pack the arrays into tensors.

        Args:
            results (dict): the result dict.

        Returns:
            dict: ``{'inputs': Tensor, 'data_samples': BaseDataElement}``.
        """
        if "lq" not in results:
            raise KeyError(
                "PackSRInputs needs results['lq']; add LoadImageFromFile(key='lq') or "
                "BicubicDegrade before it"
            )
        lq = results["lq"]
        name_src = results.get("gt_path") or results.get("lq_path") or ""
        metainfo = dict(
            lq_path=results.get("lq_path"),
            gt_path=results.get("gt_path"),
            scale=results.get("scale"),
            img_name=Path(str(name_src)).stem,
            ori_lq_shape=tuple(results.get("ori_lq_shape", lq.shape)),
        )
        sample = BaseDataElement(metainfo=metainfo)
        if results.get("gt") is not None:
            sample.gt_img = to_chw_tensor(results["gt"])
        return dict(inputs=to_chw_tensor(lq), data_samples=sample)
