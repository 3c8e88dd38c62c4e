"""Metadata headroom: the metadata a pool needs once its data is full, from one status line. Pure.

An empty pool already uses some metadata: the superblock and a few btree roots, one bitmap block
per ENTRIES_PER_BITMAP blocks of each space map (the metadata device's and the data device's), and,
on kernels with the metadata reserve (mainline 4.19, backported to some stable kernels), a tenth of
the metadata device up to 16 MiB that `dmsetup status` counts as used. Everything above that grows
with the mapped data blocks: a mapping each in a thin device's btree, and more when snapshots share
blocks and then write into them (each write into a shared leaf copies the leaf). So, from one
status line:

    per_block = (metadata used - empty) / data blocks used
    needed    = empty + per_block * data blocks in the pool

The pool runs out when needed reaches the metadata device (the kernel then switches it to
read-only: status "ro"); that happens at the data blocks where empty + per_block * d = metadata
blocks. Whether this kernel keeps the reserve is not in the status line: when it cannot be told,
the reserve is counted as per-block use, which over-states the need (by reserve * (1/fill - 1)),
never under-states it. Below MIN_DATA_PERCENT of data used the ratio is mostly the empty pool's
and is not projected.
"""
import math
import re
from typing import NamedTuple, Optional

ENTRIES_PER_BITMAP = 16320          # 2-bit counts in a 4 KiB bitmap block after its 16-byte header
FORMAT_BLOCKS = 7                   # superblock, space map indexes and roots, device and mapping roots
RESERVE_MAX_BLOCKS = 4096           # the kernel's reserve: a tenth of the device, at most 16 MiB
RESERVE_SINCE = (4, 19)             # mainline kernels from here keep the reserve
MIN_DATA_PERCENT = 5.0


class Use(NamedTuple):
    """The counts of one thin-pool status line (metadata in 4 KiB blocks, data in pool blocks)."""
    metadata_used: int
    metadata_total: int
    data_used: int
    data_total: int
    source: str = "dmsetup status"  # or "docker info", whose rounded figures a capture may have instead


class Projection(NamedTuple):
    empty: int                      # metadata blocks the pool used with no data mapped
    per_block: float                # metadata blocks per mapped data block, above the empty pool's
    needed: int                     # metadata blocks the pool needs when its data is full
    total: int                      # metadata blocks of the device
    runs_out_at: Optional[float]    # data % at which metadata runs out; None when it holds a full pool
    reserve: bool                   # whether the kernel's reserve was taken out of the empty pool's use

    @property
    def needed_percent(self):
        """The metadata device's use when data is full, in percent (over 100 when it cannot hold it)."""
        return 100.0 * self.needed / self.total

    def data_percent_at(self, metadata_percent, data_total):
        """The data % at which metadata reaches `metadata_percent` of its device; None when it never does."""
        if self.per_block <= 0:
            return None
        blocks = (self.total * metadata_percent / 100.0 - self.empty) / self.per_block
        return max(0.0, 100.0 * blocks / data_total) if blocks < data_total else None

    def size_for(self, metadata_percent):
        """The metadata blocks with which a full pool's metadata stays at `metadata_percent`."""
        return int(math.ceil(self.needed * 100.0 / metadata_percent))


def use_of(status, source="dmsetup status"):
    """The Use of a parsed thin-pool status (observe/dmsetup.ThinPoolStatus); None when it has no counts."""
    counts = (status.metadata_used_blocks, status.metadata_total_blocks, status.data_used_blocks,
              status.data_total_blocks)
    return None if None in counts else Use(*counts, source=source)


def reserve_blocks(metadata_total):
    return min(RESERVE_MAX_BLOCKS, metadata_total // 10)


def empty_blocks(metadata_total, data_total, reserve):
    """What a freshly formatted pool of these sizes uses, as `dmsetup status` counts it."""
    bitmaps = sum(-(-blocks // ENTRIES_PER_BITMAP) for blocks in (metadata_total, data_total))
    return FORMAT_BLOCKS + bitmaps + (reserve_blocks(metadata_total) if reserve else 0)


def may_keep_reserve(use):
    """False when less is used than an empty pool with the reserve: the kernel counts its reserve
    whole, so this one keeps none."""
    return use.metadata_used >= empty_blocks(use.metadata_total, use.data_total, True)


def keeps_reserve(use, kernel_release=None):
    """Whether the status counts the kernel's reserve as used: yes on mainline 4.19 and later; no
    when may_keep_reserve says it cannot; otherwise not known, and projected as if not (the side
    that over-states the need)."""
    return may_keep_reserve(use) and release_at_least(kernel_release, RESERVE_SINCE)


def release_at_least(release, version):
    """'6.1.0-13-amd64' >= (4, 19); False for a release that does not start with numbers."""
    match = re.match(r"(\d+)\.(\d+)", release or "")
    return bool(match) and (int(match.group(1)), int(match.group(2))) >= version


def project(use, reserve=False):
    """The metadata needed when data is full, and the data % at which metadata runs out; None
    when too little data is mapped to tell (under MIN_DATA_PERCENT)."""
    if not use.data_total or not use.metadata_total or \
            100.0 * use.data_used / use.data_total < MIN_DATA_PERCENT:
        return None
    empty = min(use.metadata_used, empty_blocks(use.metadata_total, use.data_total, reserve))
    per_block = (use.metadata_used - empty) / float(use.data_used)
    needed = int(math.ceil(empty + per_block * use.data_total))
    projection = Projection(empty, per_block, needed, use.metadata_total, None, reserve)
    if needed <= use.metadata_total:
        return projection
    return projection._replace(runs_out_at=projection.data_percent_at(100.0, use.data_total))
