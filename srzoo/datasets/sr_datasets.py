"""Super-resolution datasets: paired LQ/GT folders and GT-only folders.

Both are mmengine ``BaseDataset`` subclasses whose data infos hold ``gt_path``,
``lq_path`` (paired only) and ``scale``; the pipeline (srzoo ``TRANSFORMS``) loads
and crops. With ``backend='lmdb'`` the folders are ``.lmdb`` databases made by
``tools/create_lmdb.py`` and the infos also carry ``{gt,lq}_lmdb`` and
``{gt,lq}_lmdb_key``, which ``LoadImageFromFile`` reads from.
"""

import logging
import os
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from srzoo.datasets.folder_index import (
    README_HINT,
    is_lmdb,
    list_names,
    partner_name,
    require_folder,
    resolve,
)
from srzoo.datasets.image_io import read_lmdb_keys
from srzoo.datasets.sample_check import PipelineView, failure_message, sample_problems
from srzoo.datasets.samplers import sample_rng
from srzoo.errors import DataCheckError
from srzoo.registry import DATASETS, TRANSFORMS

PipelineCfg = Sequence[Union[dict, Callable]]


class _SRFolderDataset(BaseDataset):
    """Shared machinery: argument checks, pipeline building, the start-up sample check."""

    def __init__(
        self,
        *,
        data_root: str,
        scale: int,
        meta_info_file: Optional[str],
        pipeline: PipelineCfg,
        test_mode: bool,
        backend: str,
        check_images: bool,
        skip_bad_images: bool,
        lazy_init: bool,
    ) -> None:
        if isinstance(scale, bool) or int(scale) != scale or scale < 1:
            raise ValueError(f"scale must be a positive int, got {scale!r}")
        self.scale = int(scale)
        self.backend = backend
        self.check_images = check_images
        self.skip_bad_images = skip_bad_images
        self.meta_info_file = resolve(data_root, meta_info_file)
        self.skipped_images: List[Tuple[str, str]] = []
        transforms = [TRANSFORMS.build(t) if isinstance(t, dict) else t for t in pipeline]
        super().__init__(
            data_root=data_root,
            data_prefix=dict(),
            pipeline=transforms,
            test_mode=test_mode,
            lazy_init=lazy_init,
        )

    def _info(self, key: str, folder: str, name: str, lmdb: bool) -> dict:
        """Path entries of one image (disk path, or LMDB folder and key)."""
        info = {f"{key}_path": os.path.join(folder, name)}
        if lmdb:
            info.update({f"{key}_lmdb": folder, f"{key}_lmdb_key": name})
        return info

    def prepare_data(self, idx: int) -> Any:
        """Run the pipeline on sample ``idx``, under the sample's own seed when ``idx`` is a
        ``SeededIndex`` (from ``ResumableInfiniteSampler``); the seed is also passed to the
        pipeline as ``results["sample_seed"]`` (``RealESRGANKernels`` draws from it)."""
        seed = getattr(idx, "sample_seed", None)
        with sample_rng(seed):
            info = self.get_data_info(int(idx))
            if seed is not None:
                info["sample_seed"] = seed
            return self.pipeline(info)

    def _drop_bad(self, infos: List[dict], keys: Sequence[str]) -> List[dict]:
        """Check every sample (files, sizes, crop); raise, or drop and report, the bad ones.

        Raises:
            DataCheckError: a sample failed and ``skip_bad_images`` is False.
        """
        if not (self.check_images or self.skip_bad_images):
            return infos
        view = PipelineView(self.pipeline.transforms, self.test_mode)
        kept, bad = [], []
        for info in infos:
            problems = sample_problems(info, keys, view)
            bad.extend(problems)
            if not problems:
                kept.append(info)
        name = type(self).__name__
        if bad and not self.skip_bad_images:
            raise DataCheckError(failure_message(name, bad, len(infos), README_HINT))
        self.skipped_images.extend(bad)
        if bad:
            lines = "\n".join(f"  {path}: {why}" for path, why in bad)
            print_log(
                f"{name}: skipped {len(infos) - len(kept)} of {len(infos)} "
                f"samples with bad images (skip_bad_images=True):\n{lines}",
                logger="current",
                level=logging.WARNING,
            )
        if not kept:
            raise ValueError(f"{name}: every image failed the check; {README_HINT}")
        return kept


@DATASETS.register_module()
class PairedImageDataset(_SRFolderDataset):
    """LQ/GT image pairs from two folders (or two LMDBs).

    GT ``dir/x.png`` pairs with LQ ``dir/{filename_tmpl.format('x')}.png``. The GT
    names come from a scan of ``gt_folder``, or from ``meta_info_file`` (one name per
    line, BasicSR's format) when given.

    Args:
        lq_folder (str): LQ folder (or ``.lmdb``), relative to ``data_root``.
        gt_folder (str): GT folder (or ``.lmdb``), relative to ``data_root``.
        scale (int): upscaling factor (GT size = LQ size x scale).
        data_root (str): prefix for the relative paths. Default: ''.
        filename_tmpl (str): LQ stem template, e.g. ``'{}x4'``. Default: ``'{}'``.
        meta_info_file (str, optional): file listing GT names. Default: None.
        pipeline (list): transform configs or callables. Default: ().
        test_mode (bool): mmengine's test mode. Default: False.
        backend (str): ``'disk'`` or ``'lmdb'``. Default: ``'disk'``.
        check_images (bool): check every sample when the data list is built: each file
            readable (header and trailer), LQ/GT sizes matching the scale, images at least
            the training crop. Default: True.
        skip_bad_images (bool): drop the samples that fail the check, with a warning
            listing them; otherwise a failing sample raises ``DataCheckError`` naming
            the files and problems. Default: False.
        lazy_init (bool): defer listing the folders. Default: False.

    Raises:
        FileNotFoundError: a folder is missing (the message names it).
        FileNotFoundError: an LQ partner is missing (names the GT file and the LQ path).
        ValueError: an empty folder.
        DataCheckError: a sample failed the start-up check (names files and problems).
    """

    def __init__(
        self,
        *,
        lq_folder: str,
        gt_folder: str,
        scale: int,
        data_root: str = "",
        filename_tmpl: str = "{}",
        meta_info_file: Optional[str] = None,
        pipeline: PipelineCfg = (),
        test_mode: bool = False,
        backend: str = "disk",
        check_images: bool = True,
        skip_bad_images: bool = False,
        lazy_init: bool = False,
    ) -> None:
        self.lq_folder = resolve(data_root, lq_folder)
        self.gt_folder = resolve(data_root, gt_folder)
        self.filename_tmpl = filename_tmpl
        super().__init__(
            data_root=data_root,
            scale=scale,
            meta_info_file=meta_info_file,
            pipeline=pipeline,
            test_mode=test_mode,
            backend=backend,
            check_images=check_images,
            skip_bad_images=skip_bad_images,
            lazy_init=lazy_init,
        )

    def load_data_list(self) -> List[dict]:
        """Pair every GT name with its LQ partner.

        Returns:
            list[dict]: infos with ``gt_path``, ``lq_path``, ``scale`` (+ LMDB keys).
        """
        lmdb = is_lmdb(self.gt_folder, self.backend) and is_lmdb(self.lq_folder, self.backend)
        require_folder(self.lq_folder, "LQ")
        gt_names = list_names(self.gt_folder, lmdb, self.meta_info_file)
        lq_keys = set(read_lmdb_keys(self.lq_folder)) if lmdb else None
        infos = []
        for gt_name in gt_names:
            lq_name = partner_name(gt_name, self.filename_tmpl)
            lq_path = os.path.join(self.lq_folder, lq_name)
            found = lq_name in lq_keys if lmdb else os.path.isfile(lq_path)
            if not found:
                raise FileNotFoundError(
                    f"GT image '{os.path.join(self.gt_folder, gt_name)}' has no LQ partner: "
                    f"looked for '{lq_path}' (filename_tmpl={self.filename_tmpl!r}); "
                    f"{README_HINT}."
                )
            info = dict(scale=self.scale)
            info.update(self._info("gt", self.gt_folder, gt_name, lmdb))
            info.update(self._info("lq", self.lq_folder, lq_name, lmdb))
            infos.append(info)
        return self._drop_bad(infos, ("gt", "lq"))


@DATASETS.register_module()
class GTOnlyDataset(_SRFolderDataset):
    """GT images only; the pipeline makes LQ on the fly (``BicubicDegrade``).

    Args:
        gt_folder (str): GT folder (or ``.lmdb``), relative to ``data_root``.
        scale (int): upscaling factor.
        data_root (str): prefix for the relative paths. Default: ''.
        meta_info_file (str, optional): file listing GT names. Default: None.
        pipeline (list): transform configs or callables. Default: ().
        test_mode (bool): mmengine's test mode. Default: False.
        backend (str): ``'disk'`` or ``'lmdb'``. Default: ``'disk'``.
        check_images (bool): check every image when the data list is built (readable,
            at least the training crop). Default: True.
        skip_bad_images (bool): drop the images that fail the check, with a warning
            listing them, instead of raising ``DataCheckError``. Default: False.
        lazy_init (bool): defer listing the folder. Default: False.

    Raises:
        FileNotFoundError: the folder is missing (the message names it).
        ValueError: the folder is empty.
        DataCheckError: an image failed the start-up check (names files and problems).
    """

    def __init__(
        self,
        *,
        gt_folder: str,
        scale: int,
        data_root: str = "",
        meta_info_file: Optional[str] = None,
        pipeline: PipelineCfg = (),
        test_mode: bool = False,
        backend: str = "disk",
        check_images: bool = True,
        skip_bad_images: bool = False,
        lazy_init: bool = False,
    ) -> None:
        self.gt_folder = resolve(data_root, gt_folder)
        super().__init__(
            data_root=data_root,
            scale=scale,
            meta_info_file=meta_info_file,
            pipeline=pipeline,
            test_mode=test_mode,
            backend=backend,
            check_images=check_images,
            skip_bad_images=skip_bad_images,
            lazy_init=lazy_init,
        )

    def load_data_list(self) -> List[dict]:
        """List the GT images.

        Returns:
            list[dict]: infos with ``gt_path`` and ``scale`` (+ LMDB keys).
        """
        lmdb = is_lmdb(self.gt_folder, self.backend)
        infos = []
        for name in list_names(self.gt_folder, lmdb, self.meta_info_file):
            info = dict(scale=self.scale)
            info.update(self._info("gt", self.gt_folder, name, lmdb))
            infos.append(info)
        return self._drop_bad(infos, ("gt",))
