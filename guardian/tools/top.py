"""`pool-guardian top [-n N] [--json]`: what fills the pool, per container and image layer.

thin_ls counts each thin device's mapped blocks and those it shares with other devices (snapshots
of one image): exclusive blocks are what a container wrote itself. It reads a live pool only through
a metadata snapshot, which is always released: while held, the pool keeps a second metadata btree.
"""
import json
import os
import sys
from typing import NamedTuple

from guardian.errors import EXIT_OK, CommandError, GuardianError
from guardian.host.lock import action_lock
from guardian.observe.dmsetup import parse_status
from guardian.observe.pool_devices import thin_ls_rows
from guardian.host.kernel import SYS_DEV_BLOCK, block_device_name
from guardian.tools import docker_state, thin_devices
from guardian.units import format_bytes

THIN_LS_FORMAT = "DEV,MAPPED_BLOCKS,EXCLUSIVE_BLOCKS,SHARED_BLOCKS"
THIN_LS_TIMEOUT = 3600.0
# Two `top` runs must not release each other's snapshot; the daemon's actions need no snapshot.
SNAP_LOCK = os.path.join(thin_devices.RUN_DIR, "metadata-snap.lock")


class ThinUsage(NamedTuple):
    device_id: int
    mapped_blocks: int
    exclusive_blocks: int
    shared_blocks: int


class Row(NamedTuple):
    kind: str               # container, container init layer, image layer, base, deleted, unknown
    name: str
    ident: str              # container id or device hash, 12 characters
    device_id: int
    exclusive_bytes: int
    shared_bytes: int
    mapped_bytes: int


def parse_thin_ls(text):
    """thin_ls --format DEV,MAPPED_BLOCKS,EXCLUSIVE_BLOCKS,SHARED_BLOCKS output (header optional)."""
    return [ThinUsage(*row) for row in thin_ls_rows(text, THIN_LS_FORMAT.split(","))]


def owners(root):
    """{device id: (kind, name, ident)} from Docker's files: containers, their init layers, image layers."""
    by_hash = {}
    for record in docker_state.list_containers(root):
        if record.mount_id:
            by_hash[record.mount_id] = ("container", record.name, record.id[:12])
            by_hash[record.mount_id + "-init"] = ("container init layer", record.name, record.id[:12])
    for cache_id, label in docker_state.image_layers(root).items():
        by_hash.setdefault(cache_id, ("image layer", label, cache_id[:12]))
    return {device.device_id: _owner(device, by_hash) for device in docker_state.thin_devices(root)}


def _owner(device, by_hash):
    if device.hash == "base":
        kind, name, ident = "base", "Docker's base device", "base"
    else:
        kind, name, ident = by_hash.get(device.hash, ("unknown", "no container or image", device.hash[:12]))
    return ("deleted" if device.deleted else kind), name, ident


def rows(usages, owned, block_bytes):
    """One row per thin device, the biggest writer first."""
    table = []
    for usage in usages:
        kind, name, ident = owned.get(usage.device_id, ("unknown", "not in Docker's files", "-"))
        table.append(Row(kind, name, ident, usage.device_id, usage.exclusive_blocks * block_bytes,
                         usage.shared_blocks * block_bytes, usage.mapped_blocks * block_bytes))
    return sorted(table, key=lambda r: (-r.exclusive_bytes, -r.mapped_bytes, r.device_id))


def top(app, count, as_json, root):
    try:
        app.host.which("thin_ls")
    except CommandError:
        raise GuardianError("thin_ls not found: install device-mapper-persistent-data >= 0.6 "
                            "(thin-provisioning-tools on Debian/Ubuntu)")
    pool = thin_devices.find_pool(app)
    sys.stderr.write("pool-guardian top: thin_ls reads all of {}'s metadata; on a big pool that takes a "
                     "while and loads its disk\n".format(pool.name))
    table = usage_rows(app.host, pool, root)[:count or None]
    print(json.dumps([r._asdict() for r in table], indent=2) if as_json else render(table))
    return EXIT_OK


def usage_rows(host, pool, root, timeout=THIN_LS_TIMEOUT):
    """Every thin device of the pool with its owner, the biggest writer first (`top`, and the
    daemon's usage metrics). LockBusy while another `top` or the orphan survey holds the snapshot."""
    with action_lock(SNAP_LOCK):
        text = read_usage(host, pool, timeout=timeout)
    return rows(parse_thin_ls(text), owners(root), pool.block_bytes)


def read_usage(host, pool, fields=THIN_LS_FORMAT, timeout=THIN_LS_TIMEOUT):
    """thin_ls on a metadata snapshot that is always released, even if a stale one was held
    (a killed reader's: the pool keeps a second metadata btree while one is held)."""
    if held_snapshot(host, pool.name):
        host.log.warning("pool.metadata_snapshot_released", pool=pool.name,
                         message="releasing a metadata snapshot left held on {}".format(pool.name))
        _message(host, pool.name, "release_metadata_snap")
    _message(host, pool.name, "reserve_metadata_snap")
    try:
        return host.run(["thin_ls", "--metadata-snap", "--format", fields,
                           metadata_path(pool.metadata_dev)], timeout=timeout).stdout
    finally:
        _message(host, pool.name, "release_metadata_snap")


def held_snapshot(host, pool_name):
    statuses = parse_status(host.run(["dmsetup", "status", pool_name]).stdout)
    return any(getattr(s, "held_metadata_root", None) is not None for s in statuses)


def _message(host, pool_name, message):
    host.run(["dmsetup", "message", pool_name, "0", message], changes=True)


def metadata_path(dev):
    """/dev path of the pool's metadata device ('253:0' -> /dev/mapper/vg-pool_tmeta)."""
    name = block_device_name(dev)
    if not name:
        raise GuardianError("metadata device {}: not found in {}".format(dev, SYS_DEV_BLOCK))
    dm = os.path.exists(os.path.join(SYS_DEV_BLOCK, dev, "dm"))
    return os.path.join("/dev/mapper" if dm else "/dev", name)


def render(table):
    header = "{:<21} {:>10} {:>10} {:>10}  {:<12} {}".format("KIND", "EXCLUSIVE", "SHARED", "MAPPED", "ID", "NAME")
    return "\n".join([header] + ["{:<21} {:>10} {:>10} {:>10}  {:<12} {}".format(
        r.kind, format_bytes(r.exclusive_bytes), format_bytes(r.shared_bytes), format_bytes(r.mapped_bytes),
        r.ident, r.name) for r in table])
