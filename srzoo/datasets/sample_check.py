"""The start-up check of a data set: every file readable, every size consistent.

A bad file found at iteration 30 000 of a GAN run costs hours; found before the first
step it costs nothing. :func:`sample_problems` judges each image by the shape of the array
the loader will make of it (:func:`srzoo.datasets.decoded.decoded_shape`: a file's header,
an LMDB's ``meta_info.txt`` shapes, or a decode), never by another notion of the image, and
reports, for one sample:

* a missing, empty, truncated or non-image file, or one whose extension does not
  match its content; an LMDB key that its ``meta_info.txt`` does not list;
* an LQ/GT pair whose sizes do not match the scale (after ``ModCrop`` when the pipeline
  mod-crops the GT), or whose channel counts differ;
* an image smaller than the training crop.
"""

from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from srzoo.datasets.decoded import Shape, decoded_shape, image_ref
from srzoo.datasets.image_io import check_image_file
from srzoo.datasets.transforms.crop import ModCrop
from srzoo.datasets.transforms.loading import LoadImageFromFile
from srzoo.errors import ImageReadError

Problem = Tuple[str, str]
_LISTED = 10


class PipelineView:
    """What the pipeline does to the decoded images that the check must know.

    Attributes:
        patch: The GT patch size of the first cropping transform (``gt_patch_size``), if any.
        color_types: ``color_type`` of the loading transform of each key (default 'color').
        mod_crop: Whether the GT is mod-cropped to the scale before pairing (``ModCrop``).
    """

    def __init__(self, transforms: Iterable[Any], test_mode: bool = False) -> None:
        transforms = list(transforms)
        self.patch = None if test_mode else crop_size(transforms)
        self.color_types: Dict[str, str] = {}
        for t in transforms:
            if isinstance(t, LoadImageFromFile):
                self.color_types.setdefault(t.key, t.color_type)
        self.mod_crop = any(isinstance(t, ModCrop) for t in transforms)


def crop_size(transforms: Iterable[Any]) -> Optional[int]:
    """The GT patch size of the first cropping transform (``gt_patch_size``), if any."""
    for transform in transforms:
        size = getattr(transform, "gt_patch_size", None)
        if size is not None:
            return int(size)
    return None


def _shapes(
    info: dict, keys: Sequence[str], view: PipelineView
) -> Tuple[List[Problem], Dict[str, Shape]]:
    """File problems of the sample's images, and the decoded (h, w, c) of the sound ones."""
    problems, shapes = [], {}
    for key in keys:
        ref = image_ref(info, key)
        why = check_image_file(ref.path) if ref.db is None else None
        if why is None:
            try:
                shapes[key] = decoded_shape(ref, view.color_types.get(key, "color"))
            except (ImageReadError, OSError) as err:
                why = str(err)
        if why:
            problems.append((ref.path, why))
    return problems, shapes


def _pair_problem(info: dict, lq: Shape, gt: Shape, view: PipelineView) -> Optional[Problem]:
    """LQ/GT sizes that do not match the scale, or channel counts that differ."""
    scale = info["scale"]
    (h, w, c), (gh, gw, gc) = lq, gt
    if view.mod_crop:
        gh, gw = gh - gh % scale, gw - gw % scale
    if (gh, gw) != (h * scale, w * scale):
        return (
            info["gt_path"],
            f"LQ/GT sizes do not match the scale: GT is {gh}x{gw} but LQ "
            f"'{info['lq_path']}' is {h}x{w}; with scale {scale} the GT must be "
            f"{h * scale}x{w * scale} (check the LQ folder and scale)",
        )
    if c != gc:
        return (
            info["gt_path"],
            f"GT has {gc} channel(s) but LQ '{info['lq_path']}' has {c} as loaded "
            "(check the images or the LoadImageFromFile color_type)",
        )
    return None


def sample_problems(info: dict, keys: Sequence[str], view: PipelineView) -> List[Problem]:
    """Everything wrong with one sample, as ``(path, problem)`` pairs.

    Args:
        info (dict): the sample's data info (``gt_path``, ``lq_path``, ``scale``, and for
            LMDB ``{key}_lmdb`` / ``{key}_lmdb_key``).
        keys (Sequence[str]): the images of the sample, ``('gt', 'lq')`` or ``('gt',)``.
        view (PipelineView): the pipeline's crop size, color types and mod-crop.

    Returns:
        list[tuple[str, str]]: empty when the sample is sound.
    """
    problems, shapes = _shapes(info, keys, view)
    if problems:
        return problems
    scale, patch = info["scale"], view.patch
    if "lq" in shapes and "gt" in shapes:
        problem = _pair_problem(info, shapes["lq"], shapes["gt"], view)
        if problem:
            return [problem]
    if patch is not None:
        key, need = ("lq", patch // scale) if "lq" in shapes else ("gt", patch)
        if key in shapes and min(shapes[key][:2]) < need:
            h, w = shapes[key][:2]
            return [
                (
                    info[f"{key}_path"],
                    f"the image ({h}x{w}) is smaller than the training crop {need}x{need} "
                    f"(gt_patch_size={patch}, scale={scale}); use a smaller gt_patch_size "
                    "or drop the image",
                )
            ]
    return []


def failure_message(dataset: str, problems: List[Problem], total: int, hint: str) -> str:
    """One error message listing (the first few) bad files and their problems."""
    lines = "\n".join(f"  {path}: {why}" for path, why in problems[:_LISTED])
    more = f"\n  ... and {len(problems) - _LISTED} more" if len(problems) > _LISTED else ""
    return (
        f"{dataset}: {len(problems)} problem(s) in {total} samples, found by the start-up "
        f"check before any training:\n{lines}{more}\nFix or remove these files, or set "
        f"skip_bad_images=True in the dataset config to train without them; {hint}."
    )
