"""SRVisualizationHook: LR | SR | GT PNGs of the first validation images, every N iterations."""

from types import SimpleNamespace

import cv2
import numpy as np
import torch
from mmengine.structures import BaseDataElement

from srzoo.engine.visualization_hook import SRVisualizationHook, side_by_side
from srzoo.registry import HOOKS


def batch(names, h=4, w=5, scale=2, value=10.0):
    inputs = [torch.full((3, h, w), value) for _ in names]
    outputs = []
    for name in names:
        out = BaseDataElement(metainfo=dict(img_name=name))
        out.pred_img = torch.full((3, h * scale, w * scale), 128.0)
        out.gt_img = torch.full((3, h * scale, w * scale), 250.0)
        outputs.append(out)
    return dict(inputs=inputs, data_samples=[None] * len(names)), outputs


def run_val(hook, runner, batches):
    hook.before_val_epoch(runner)
    for i, names in enumerate(batches):
        data_batch, outputs = batch(names)
        hook.after_val_iter(runner, i, data_batch, outputs)


def test_writes_first_images_side_by_side(tmp_path):
    hook = HOOKS.build(dict(type="SRVisualizationHook", interval=100, num_images=3, out_dir="vis"))
    runner = SimpleNamespace(iter=100, work_dir=str(tmp_path))
    run_val(hook, runner, [["a", "b"], ["c", "d"], ["e"]])
    folder = tmp_path / "vis" / "iter_100"
    assert sorted(p.name for p in folder.iterdir()) == ["a.png", "b.png", "c.png"]
    img = cv2.imread(str(folder / "a.png"))[:, :, ::-1]
    assert img.shape == (8, 3 * 10, 3)
    assert (img[:, :10] == 10).all() and (img[:, 10:20] == 128).all()
    assert (img[:, 20:] == 250).all()


def test_interval_between_dumps(tmp_path):
    hook = SRVisualizationHook(interval=100, num_images=1)
    for it in (50, 120, 150, 260):
        run_val(hook, SimpleNamespace(iter=it, work_dir=str(tmp_path)), [["a"]])
    dumps = sorted(p.name for p in (tmp_path / "vis").iterdir())
    assert dumps == ["iter_150", "iter_260", "iter_50"]


def test_stacked_inputs_and_gt_from_batch(tmp_path):
    hook = SRVisualizationHook(num_images=2)
    runner = SimpleNamespace(iter=0, work_dir=str(tmp_path))
    hook.before_val_epoch(runner)
    out = {"pred_img": torch.zeros(1, 6, 6), "img_name": "gray"}
    src = BaseDataElement(gt_img=torch.full((1, 6, 6), 200.0))
    data_batch = dict(inputs=torch.full((1, 1, 3, 3), 50.0), data_samples=[src])
    hook.after_val_iter(runner, 0, data_batch, [out])
    img = cv2.imread(str(tmp_path / "vis" / "iter_0" / "gray.png"), cv2.IMREAD_UNCHANGED)
    assert img.shape == (6, 18)
    assert img[0, 0] == 50 and img[0, 6] == 0 and img[0, 12] == 200


def test_side_by_side_pads_missing_gt():
    lr = np.full((2, 2, 3), 7, np.uint8)
    sr = np.full((4, 4, 3), 9, np.uint8)
    out = side_by_side(lr, sr, None)
    assert out.shape == (4, 12, 3) and (out[:, 8:] == 0).all() and (out[:, :4] == 7).all()
