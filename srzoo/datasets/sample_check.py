"""The start-up check of a data set: every file readable, every size consistent.

A bad file found at iteration 30 000 of a GAN run costs hours; found before the first
step it costs nothing. :func:`sample_problems` reads only the ends of each file (its
header for the size) and reports, for one sample:

* a missing, empty, truncated or non-image file, or one whose extension does not
  match its content;
* an LQ/GT pair whose sizes do not match the scale;
* an image smaller than the training crop.
"""

from typing import Any, Iterable, List, Optional, Sequence, Tuple

from srzoo.datasets.image_io import check_image_file, image_size
from srzoo.errors import ImageReadError

Problem = Tuple[str, str]
_LISTED = 10


def crop_size(transforms: Iterable[Any]) -> Optional[int]:
    """The GT patch size of the first cropping transform (``gt_patch_size``), if any."""
    for transform in transforms:
        size = getattr(transform, "gt_patch_size", None)
        if size is not None:
            return int(size)
    return None


def _sizes(info: dict, keys: Sequence[str]) -> Tuple[List[Problem], dict]:
    """File problems of the sample's images, and the (h, w) of the sound ones."""
    problems, sizes = [], {}
    for key in keys:
        if f"{key}_lmdb" in info:  # LMDB values are checked when they are read
            continue
        path = info[f"{key}_path"]
        why = check_image_file(path)
        if why is None:
            try:
                sizes[key] = image_size(path)
            except ImageReadError as err:
                why = str(err)
        if why:
            problems.append((path, why))
    return problems, sizes


def sample_problems(info: dict, keys: Sequence[str], patch: Optional[int]) -> List[Problem]:
    """Everything wrong with one sample, as ``(path, problem)`` pairs.

    Args:
        info (dict): the sample's data info (``gt_path``, ``lq_path``, ``scale``).
        keys (Sequence[str]): the images of the sample, ``('gt', 'lq')`` or ``('gt',)``.
        patch (int, optional): the training GT crop size, or None without a crop.

    Returns:
        list[tuple[str, str]]: empty when the sample is sound.
    """
    problems, sizes = _sizes(info, keys)
    if problems:
        return problems
    scale = info["scale"]
    if "lq" in sizes and "gt" in sizes:
        (h, w), (gh, gw) = sizes["lq"], sizes["gt"]
        if (gh, gw) != (h * scale, w * scale):
            return [
                (
                    info["gt_path"],
                    f"LQ/GT sizes do not match the scale: GT is {gh}x{gw} but LQ "
                    f"'{info['lq_path']}' is {h}x{w}; with scale {scale} the GT must be "
                    f"{h * scale}x{w * scale} (check the LQ folder and scale)",
                )
            ]
    if patch is not None:
        key, need = ("lq", patch // scale) if "lq" in sizes else ("gt", patch)
        if key in sizes and min(sizes[key]) < need:
            h, w = sizes[key]
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
