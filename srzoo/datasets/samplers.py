"""A resumable infinite sampler, and per-sample random seeds for the data pipeline.

mmengine's ``InfiniteSampler`` draws its permutations from one running generator, so
the only way back to position ``k`` is to iterate ``k`` indices, and its
``IterBasedTrainLoop`` does that by loading (and decoding, cropping...) every past
batch again on resume (mmengine #1520, #1548). :class:`ResumableInfiniteSampler` makes
the index stream a pure function of ``(seed, position)``: pass ``p`` is
``randperm(len(dataset))`` seeded with ``seed + p``, so the sampler can start at any
position at once, and its state is two integers.

Each index it yields is a :class:`SeededIndex`: an ``int`` that also carries a seed
derived from ``(seed, position)``. srzoo's datasets run the pipeline of that sample
under :func:`sample_rng`, so random crops and flips depend on the sample's position in
the stream only, not on which worker loads it, how many workers there are, or whether
the run was resumed.
"""

import contextlib
import logging
import random
from typing import Iterator, Optional, Sized

import numpy as np
import torch
from mmengine.dist import get_dist_info, sync_random_seed
from mmengine.logging import print_log
from torch.utils.data import Sampler

from srzoo.registry import DATA_SAMPLERS

_SEED_MASK = 0xFFFFFFFF
_U64 = (1 << 64) - 1


def _mix(seed: int, position: int) -> int:
    """A 32-bit seed from ``(seed, position)`` (splitmix64; the same on every platform)."""
    x = (seed * 0x9E3779B97F4A7C15 + position + 1) & _U64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _U64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _U64
    return (x ^ (x >> 31)) & _SEED_MASK


class SeededIndex(int):
    """A dataset index that carries the random seed of its sample (``sample_seed``)."""

    sample_seed: int

    def __new__(cls, index: int, sample_seed: int) -> "SeededIndex":
        obj = super().__new__(cls, index)
        obj.sample_seed = sample_seed
        return obj

    def __reduce__(self):
        return (SeededIndex, (int(self), self.sample_seed))


@contextlib.contextmanager
def sample_rng(seed: Optional[int]) -> Iterator[None]:
    """Seed Python's, numpy's and torch's global RNGs with ``seed`` inside the block.

    The previous states are restored on exit, so the caller's random streams are not
    disturbed. With ``seed=None`` nothing changes.
    """
    if seed is None:
        yield
        return
    py_state, np_state = random.getstate(), np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        random.seed(seed)
        np.random.seed(seed & _SEED_MASK)
        # the CPU generator only: fork_rng(devices=[]) restores only it, and torch.manual_seed
        # would also seed (lazily, at ~0.5 ms a call) every accelerator backend
        torch.random.default_generator.manual_seed(seed)
        try:
            yield
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)


@DATA_SAMPLERS.register_module()
class ResumableInfiniteSampler(Sampler):
    """Infinite (shuffled) index stream whose position is saved and restored in O(1).

    The global stream is the concatenation of passes; pass ``p`` is a permutation of
    ``range(len(dataset))`` seeded with ``seed + p`` (or ``range`` itself without
    shuffling). Rank ``r`` of ``W`` takes global positions ``r, r + W, r + 2W, ...``, as
    mmengine's ``InfiniteSampler`` does.

    Args:
        dataset (Sized): The dataset.
        shuffle (bool): Shuffle each pass. Default: True.
        seed (int, optional): Base seed; None draws one shared by all ranks. The Runner
            passes ``randomness.seed``. Default: None.
    """

    def __init__(self, dataset: Sized, shuffle: bool = True, seed: Optional[int] = None) -> None:
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else int(seed)
        self.size = len(dataset)
        if self.size == 0:
            raise ValueError("ResumableInfiniteSampler needs a non-empty dataset")
        self.start = 0  # samples this rank has already consumed

    def _pass_order(self, index: int) -> list:
        if not self.shuffle:
            return list(range(self.size))
        gen = torch.Generator().manual_seed(self.seed + index)
        return torch.randperm(self.size, generator=gen).tolist()

    def __iter__(self) -> Iterator[SeededIndex]:
        """Yield this rank's indices from position ``start`` on, forever."""
        position = self.start * self.world_size + self.rank
        pass_index, order = -1, []
        while True:
            current, offset = divmod(position, self.size)
            if current != pass_index:
                pass_index, order = current, self._pass_order(current)
            yield SeededIndex(order[offset], _mix(self.seed, position))
            position += self.world_size

    def __len__(self) -> int:
        """Length of the dataset (one pass)."""
        return self.size

    def set_epoch(self, epoch: int) -> None:
        """Not used: passes are seeded by their index (kept for mmengine's seed hook)."""

    def state_dict(self, consumed: int) -> dict:
        """The state to resume from after each rank has consumed ``consumed`` samples."""
        return dict(seed=self.seed, position=int(consumed) * self.world_size, size=self.size)

    def load_state_dict(self, state: dict) -> None:
        """Continue from ``state`` (see :meth:`state_dict`) at the next ``iter()``.

        A changed data set size or number of processes is allowed, with a warning: the
        run continues from the same global position, but not with the same samples.
        """
        if state["size"] != self.size or state["position"] % self.world_size:
            print_log(
                f"the data set has {self.size} samples on {self.world_size} processes; the "
                f"checkpoint was taken with {state['size']} samples at global position "
                f"{state['position']}: the resumed data order will differ from an "
                "uninterrupted run",
                logger="current",
                level=logging.WARNING,
            )
        self.seed = int(state["seed"])
        self.start = int(state["position"]) // self.world_size
