"""One snapshot of a pool: what the kernel says, what Docker says, and the filesystem underneath.

`compose_snapshot` is pure: the reading is done elsewhere (observer.py for a live host, the
diagnose command for captured outputs) and handed in.
"""
import time
from typing import NamedTuple, Optional, Tuple

from guardian.observe.dmsetup import ThinPoolStatus, ThinPoolTable

# Thin-pool metadata blocks are always 4 KiB (the kernel's THIN_METADATA_BLOCK_SIZE); Docker uses the same.
METADATA_BLOCK_BYTES = 4096
# Docker's dm.min_free_space default: refuse new devices below 10% free data or metadata.
DOCKER_DEFAULT_MIN_FREE_SHARE = 0.10
LOOP_MAJOR = 7


class SparseFile(NamedTuple):
    """A loop-lvm backing file: its size is a ceiling, its allocation is what it really holds."""
    path: str
    apparent_bytes: int
    allocated_bytes: int


class BackingFilesystem(NamedTuple):
    """The filesystem holding the loop files: in loop-lvm the real limit on the pool's growth."""
    directory: str
    total_bytes: int
    free_bytes: int                 # f_bavail: what a write can use, not counting root's reserve
    data_file: Optional[SparseFile]
    metadata_file: Optional[SparseFile]

    @property
    def data_room_bytes(self):
        """What the data file can still take on: the filesystem's free space."""
        return self.free_bytes


class PoolView(NamedTuple):
    """One thin pool, with the kernel's numbers turned into bytes."""
    name: str
    kind: str                       # 'loop-lvm', 'direct-lvm' or 'unknown'
    status: ThinPoolStatus
    table: Optional[ThinPoolTable]
    data_block_bytes: Optional[int]
    backing: Optional[BackingFilesystem]
    min_free_bytes: Optional[int]   # Docker's floor, from docker info or its 10% default
    watched: bool

    @property
    def healthy(self):
        """False when the kernel says the pool must not be written to or is unreadable."""
        status = self.status
        return not (status.failed or status.needs_check or status.mode in ("ro",))

    @property
    def data_total_bytes(self):
        return _blocks_to_bytes(self.status.data_total_blocks, self.data_block_bytes)

    @property
    def data_used_bytes(self):
        return _blocks_to_bytes(self.status.data_used_blocks, self.data_block_bytes)

    @property
    def data_free_bytes(self):
        if self.data_total_bytes is None:
            return None
        return self.data_total_bytes - self.data_used_bytes

    @property
    def metadata_total_bytes(self):
        return _blocks_to_bytes(self.status.metadata_total_blocks, METADATA_BLOCK_BYTES)

    @property
    def metadata_used_bytes(self):
        return _blocks_to_bytes(self.status.metadata_used_blocks, METADATA_BLOCK_BYTES)

    @property
    def effective_free_bytes(self):
        """Pool free space, unless the filesystem under the loop file has less."""
        free = self.data_free_bytes
        if free is None or self.backing is None:
            return free
        return min(free, self.backing.data_room_bytes)

    @property
    def limited_by_backing(self):
        return self.effective_free_bytes is not None and self.effective_free_bytes != self.data_free_bytes

    @property
    def data_effective_used_percent(self):
        """Usage the watermarks compare against: the pool as full as its effective free space says."""
        total = self.data_total_bytes
        if not total:
            return None
        return 100.0 * (total - self.effective_free_bytes) / total

    @property
    def below_docker_floor(self):
        """Docker refuses pulls and new containers when free data space drops under its floor."""
        if self.min_free_bytes is None or self.data_free_bytes is None:
            return None
        return self.data_free_bytes < self.min_free_bytes


class Snapshot(NamedTuple):
    taken_at: float
    docker: object                  # DockerInfo or None
    pools: Tuple[PoolView, ...]
    problems: Tuple[str, ...]       # one line each: what could not be read, and why

    @property
    def pool(self):
        """The watched pool, or None."""
        for view in self.pools:
            if view.watched:
                return view
        return None


def _blocks_to_bytes(blocks, block_bytes):
    if blocks is None or block_bytes is None:
        return None
    return blocks * block_bytes


def data_block_bytes(status, table, docker):
    """Block size from the table; else Docker's Pool Blocksize; else length/total as Docker does."""
    if table is not None:
        return table.data_block_bytes
    if docker is not None and docker.pool_blocksize_bytes:
        return docker.pool_blocksize_bytes
    if status.data_total_blocks:
        return status.length_sectors * 512 // status.data_total_blocks
    return None


def pool_kind(table, device_names, docker):
    """loop-lvm when the data device is a loop device, direct-lvm when it is an LVM _tdata LV."""
    if table is None:
        if docker is not None and docker.data_loop_file:
            return "loop-lvm"
        return "unknown"
    major = table.data_dev.split(":")[0]
    if major == str(LOOP_MAJOR) or device_names.get(table.data_dev, "").startswith("loop"):
        return "loop-lvm"
    if device_names.get(table.data_dev, "").endswith("_tdata"):
        return "direct-lvm"
    return "unknown"


def min_free_bytes(view_total_bytes, docker):
    """Docker's own floor if it reports one (1.12+), else its 10% default."""
    if docker is not None and docker.min_free_bytes is not None:
        return docker.min_free_bytes
    if view_total_bytes is None:
        return None
    return int(view_total_bytes * DOCKER_DEFAULT_MIN_FREE_SHARE)


def choose_pool(names, override, docker):
    """The watched pool's name and, when there is none, the one-line reason."""
    if override:
        if override in names:
            return override, None
        return None, "pool {} (from config pool.name) is not a thin pool here; thin pools: {}".format(
            override, ", ".join(names) or "none")
    docker_pool = docker.pool_name if docker is not None else None
    if docker_pool:
        if docker_pool in names:
            return docker_pool, None
        if names == [None]:
            return None, None   # an unnamed capture of one pool: the caller names it
        return None, "Docker's pool {} is not in dmsetup status (thin pools: {})".format(
            docker_pool, ", ".join(n for n in names if n) or "none")
    if len(names) == 1:
        return names[0], None
    if not names:
        return None, "no thin-pool device in dmsetup status"
    return None, "several thin pools ({}): set pool.name in the config".format(", ".join(names))


def compose_snapshot(statuses, tables, docker, backing=None, override=None, device_names=None,
                     problems=(), taken_at=None):
    """Join kernel status and table by device name, add Docker's view and the backing filesystem.

    statuses is None when the kernel's view could not be read (the problems say why).
    """
    device_names = device_names or {}
    pool_statuses = [s for s in statuses or () if isinstance(s, ThinPoolStatus)]
    tables_by_name = {t.name: t for t in tables if isinstance(t, ThinPoolTable)}
    names = [s.name for s in pool_statuses]
    watched, reason = choose_pool(names, override, docker)
    if statuses is None:
        reason = None
    if names == [None]:
        watched = (docker.pool_name if docker is not None else None) or "(unnamed)"
        pool_statuses = [pool_statuses[0]._replace(name=watched)]
        tables_by_name = {watched: tables_by_name.get(None, tables_by_name.get(watched))}
    views = tuple(_view(s, tables_by_name.get(s.name), docker, backing, device_names, s.name == watched)
                  for s in pool_statuses)
    problems = tuple(problems) + ((reason,) if reason else ())
    return Snapshot(time.time() if taken_at is None else taken_at, docker, views, problems)


def _view(status, table, docker, backing, device_names, watched):
    block = data_block_bytes(status, table, docker)
    total = _blocks_to_bytes(status.data_total_blocks, block)
    kind = pool_kind(table, device_names, docker)
    return PoolView(
        name=status.name, kind=kind, status=status, table=table, data_block_bytes=block,
        backing=backing if (watched and kind == "loop-lvm") else None,
        min_free_bytes=min_free_bytes(total, docker) if watched else None, watched=watched)
