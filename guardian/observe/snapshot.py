"""One snapshot of a pool: what the kernel says, what Docker says, and the filesystem underneath.

`compose_snapshot` is pure: the reading is done elsewhere (observer.py for a live host, the
diagnose command for captured outputs) and handed in.
"""
import re
import time
from typing import NamedTuple, Optional, Tuple

from guardian.observe.dmsetup import ThinPoolStatus, ThinPoolTable

# Thin-pool metadata blocks are always 4 KiB (the kernel's THIN_METADATA_BLOCK_SIZE); Docker uses the same.
METADATA_BLOCK_BYTES = 4096
# Docker's dm.min_free_space default: refuse new devices below 10% free data or metadata.
DOCKER_DEFAULT_MIN_FREE_SHARE = 0.10
LOOP_MAJOR = 7
# Docker's dm.blocksize default: the block its Data Space figures are counted in when it prints none.
DOCKER_DEFAULT_BLOCK_BYTES = 64 * 1024
# A PoolView's figures: the kernel's own, or Docker's (a `docker info` captured without `dmsetup status`).
KERNEL_FIGURES, DOCKER_FIGURES = "dmsetup status", "docker info"


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


class FreeBound(NamedTuple):
    """At most this much can be written to the pool, by a figure other than the kernel's or a statfs.

    Only `diagnose` makes one, from Docker's Data Space Available, which Docker bounds by the
    filesystem under its loop file: a capture has no statfs of that filesystem. The live daemon never
    does: there Docker's figure is up to a minute old after a prune and would keep the ladder pruning.
    """
    source: str                     # where the figure comes from: 'docker info Data Space Available'
    free_bytes: int


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
    bound: Optional[FreeBound] = None
    figures: str = KERNEL_FIGURES   # DOCKER_FIGURES: status made from Docker's rounded figures

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
        """Pool free space, unless the filesystem under the loop file (or the bound) has less."""
        free = self.data_free_bytes
        if free is None:
            return None
        return min([free] + [room for room in self._rooms() if room is not None])

    def _rooms(self):
        return (self.backing and self.backing.data_room_bytes, self.bound and self.bound.free_bytes)

    @property
    def free_limit(self):
        """What effective_free_bytes comes from: 'pool', 'backing' or 'bound'."""
        free, effective = self.data_free_bytes, self.effective_free_bytes
        if free is None or effective == free:
            return "pool"
        return "backing" if effective == self._rooms()[0] else "bound"

    @property
    def limited_by_backing(self):
        return self.free_limit == "backing"

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


def pool_kind(table, device_names, docker, pool_name=None, names=frozenset()):
    """loop-lvm when the data device is a loop device, direct-lvm when it is an LVM _tdata LV.

    Captures name no device numbers (device_names is empty): there the pool is LVM's when the
    captures hold its data LV by LVM's name, VG-POOL_tdata (the pool itself may be VG-POOL-tpool)."""
    named_by_lvm = bool(pool_name) and re.sub(r"-tpool$", "", pool_name) + "_tdata" in names
    if table is None:
        if docker is not None and docker.data_loop_file:
            return "loop-lvm"
        return "direct-lvm" if named_by_lvm else "unknown"
    major = table.data_dev.split(":")[0]
    data_name = device_names.get(table.data_dev, "")
    if major == str(LOOP_MAJOR) or data_name.startswith("loop"):
        return "loop-lvm"
    if data_name.endswith("_tdata") or (not data_name and named_by_lvm):
        return "direct-lvm"
    return "unknown"


def min_free_bytes(view_total_bytes, docker):
    """Docker's own floor if it reports one (1.12+), else its 10% default."""
    if docker is not None and docker.min_free_bytes is not None:
        return docker.min_free_bytes
    if view_total_bytes is None:
        return None
    return int(view_total_bytes * DOCKER_DEFAULT_MIN_FREE_SHARE)


# Where a pool's name can come from -> how a user names one.
HOW_TO_CHOOSE = {"config pool.name": "set pool.name in the config", "--pool": "give --pool NAME"}


def choose_pool(names, override, docker, override_from="config pool.name"):
    """The watched pool's name and, when there is none, the one-line reason."""
    if override:
        if override in names:
            return override, None
        if names == [None]:
            return override, None   # `dmsetup status NAME` prints no name: the override names it
        return None, "pool {} (from {}) is not a thin pool here; thin pools: {}".format(
            override, override_from, ", ".join(names) or "none")
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
    return None, "several thin pools ({}): {}".format(", ".join(names), HOW_TO_CHOOSE[override_from])


def compose_snapshot(statuses, tables, docker, backing=None, override=None, device_names=None,
                     problems=(), taken_at=None, bound=None, override_from="config pool.name"):
    """Join kernel status and table by device name, add Docker's view and the backing filesystem.

    statuses is None when the kernel's view could not be read (the problems say why). bound
    (FreeBound) caps the watched pool's free space; backing and bound apply to the watched pool only.
    """
    device_names = device_names or {}
    pool_statuses = [s for s in statuses or () if isinstance(s, ThinPoolStatus)]
    names = [s.name for s in pool_statuses]
    watched, reason = choose_pool(names, override, docker, override_from)
    if statuses is None:
        reason = None
    if names == [None]:
        watched = watched or (docker.pool_name if docker is not None else None) or "(unnamed)"
        pool_statuses = [pool_statuses[0]._replace(name=watched)]
    tables_by_name, unmatched = _tables_by_pool(pool_statuses, [t for t in tables if isinstance(t, ThinPoolTable)])
    names = frozenset(getattr(line, "name", None) for line in list(statuses or ()) + list(tables))
    views = tuple(_view(s, tables_by_name.get(s.name), docker, backing, device_names, s.name == watched, bound,
                        names) for s in pool_statuses)
    if statuses is None:
        unmatched = []
    problems = tuple(problems) + ((reason,) if reason else ()) + tuple(unmatched)
    return Snapshot(time.time() if taken_at is None else taken_at, docker, views, problems)


def _tables_by_pool(pool_statuses, tables):
    """{pool name: its table}, and a line for each table that is no pool's. An unnamed table line
    (`dmsetup table NAME`) is the only pool's when its length agrees; a pool's status and table
    always have the same length."""
    lengths = {s.name: s.length_sectors for s in pool_statuses}
    found, unmatched = {}, []
    for table in tables:
        name = table.name
        if name is None and len(lengths) == 1 and table.length_sectors in lengths.values():
            name = next(iter(lengths))
        if name in lengths and name not in found:
            found[name] = table
            continue
        unmatched.append("dmsetup table: thin-pool {} ({} sectors) matches no pool in dmsetup status "
                         "(thin pools: {}); its table is not used".format(
                             table.name or "line without a name", table.length_sectors,
                             ", ".join("{} ({} sectors)".format(*pool) for pool in sorted(lengths.items()))
                             or "none"))
    return found, unmatched


def _view(status, table, docker, backing, device_names, watched, bound=None, names=frozenset()):
    block = data_block_bytes(status, table, docker)
    total = _blocks_to_bytes(status.data_total_blocks, block)
    kind = pool_kind(table, device_names, docker, status.name, names)
    return PoolView(
        name=status.name, kind=kind, status=status, table=table, data_block_bytes=block,
        backing=backing if (watched and kind == "loop-lvm") else None,
        min_free_bytes=min_free_bytes(total, docker) if watched else None, watched=watched,
        bound=bound if watched else None)


def docker_snapshot(docker, bound=None, override=None, problems=(), taken_at=None,
                    override_from="config pool.name"):
    """The pool as Docker's figures draw it, for a capture without the kernel's (`docker info`
    alone); None when Docker gives no Data Space figures, or they are not a thin pool's. Marked DOCKER_FIGURES: rounded to four
    digits, in blocks of Docker's Pool Blocksize (its 64 KiB default when it prints none), and
    without the kernel's mode (ro, needs_check, out_of_data_space)."""
    if docker is None or docker.storage_driver not in (None, "devicemapper") or not docker.data_total_bytes \
            or docker.data_used_bytes is None:
        return None
    block = docker.pool_blocksize_bytes or DOCKER_DEFAULT_BLOCK_BYTES
    data_total, data_used = (int(round(value / float(block)))
                             for value in (docker.data_total_bytes, docker.data_used_bytes))
    meta_total, meta_used = (None if value is None else int(round(value / float(METADATA_BLOCK_BYTES)))
                             for value in (docker.metadata_total_bytes, docker.metadata_used_bytes))
    status = ThinPoolStatus(
        name=docker.pool_name, start=0, length_sectors=max(1, data_total) * block // 512,
        data_used_blocks=data_used, data_total_blocks=max(1, data_total),
        metadata_used_blocks=meta_used if meta_total else None, metadata_total_blocks=meta_total or None)
    snapshot = compose_snapshot([status], [], docker, override=override, problems=problems,
                                taken_at=taken_at, bound=bound, override_from=override_from)
    return snapshot._replace(pools=tuple(view._replace(figures=DOCKER_FIGURES) for view in snapshot.pools))
