"""Pack a folder of images into a BasicSR-style LMDB (``data.mdb`` + ``meta_info.txt``).

Reading many small PNGs is slow on network disks; an LMDB is one memory-mapped file.
Use it with ``backend='lmdb'`` on ``PairedImageDataset`` / ``GTOnlyDataset`` and folders
ending in ``.lmdb``. For x4 DIV2K sub-images::

    python tools/create_lmdb.py data/DIV2K/DIV2K_train_HR_sub data/DIV2K/DIV2K_train_HR_sub.lmdb
    python tools/create_lmdb.py data/DIV2K/DIV2K_train_LR_bicubic/X4_sub \
        data/DIV2K/DIV2K_train_LR_bicubic/X4_sub.lmdb

Needs the optional ``lmdb`` package (``pip install lmdb``).
"""

import argparse
import sys
import time

from srzoo.datasets.lmdb_writer import write_lmdb


def main(argv=None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("src", help="folder of images")
    parser.add_argument("dst", help="output LMDB folder, ending in .lmdb")
    parser.add_argument("--compression", type=int, default=1, help="PNG compression 0-9")
    args = parser.parse_args(argv)
    start = time.time()
    keys = write_lmdb(args.src, args.dst, compress_level=args.compression)
    print(f"{len(keys)} images packed into {args.dst} ({time.time() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
