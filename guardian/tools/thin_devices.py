"""Thin devices of Docker's pool as the operator tools handle them outside Docker.

A thin device has no size of its own in dm-thin: it is whatever length the table that activates
it says, which is why `dmsetup create NAME --table "0 SECTORS thin POOL DEVICE_ID"` is all an
activation takes. Everything here changes the host through the host (changes=True).
"""
from typing import NamedTuple

from guardian.errors import GuardianError, NoPoolError
from guardian.host.devices import device_number, dm_device_number
from guardian.observe import holders
from guardian.observe.dmsetup import SECTOR_BYTES, ThinTable, parse_table
from guardian.observe.observer import observe

# Our own devices carry this prefix, so that cleaning up never touches one that is not ours.
OUR_PREFIX = "pool-guardian-"
RUN_DIR = "/run/pool-guardian"


class Pool(NamedTuple):
    name: str
    number: str             # "253:2", as thin tables name their pool
    metadata_dev: str       # "253:0"
    block_bytes: int


def find_pool(app):
    """The pool Docker uses (config pool.name, Docker's Pool Name, or the only one), or why not."""
    return pool_of(observe(app.host, app.settings))


def pool_of(snapshot):
    """The snapshot's pool as the tools handle it, or why there is none."""
    view = snapshot.pool
    if view is None or view.table is None:
        raise NoPoolError("no thin pool to work on: {}".format(
            "; ".join(snapshot.problems) or "no thin-pool device is active (Docker in loop-lvm mode "
            "removes its pool when it stops: start dockerd, or run this while it runs)"))
    path = "/dev/mapper/" + view.name
    try:
        number = device_number(path)
    except OSError as exc:
        raise GuardianError("{}: {}".format(path, exc.strerror))
    return Pool(view.name, number, view.table.metadata_dev, view.table.data_block_bytes)


def inactive_pool(app, target):
    """Docker's pool, once the target container's thin device is active under no name."""
    pool = find_pool(app)
    active = active_names(app.host, pool).get(target.device.device_id)
    if active:
        raise GuardianError("container {}: its thin device {} is {}".format(
            target.label(), target.device.device_id, describe_active(active)))
    return pool


def active_names(host, pool):
    """{device id: [dm names]} of the pool's thin devices that are active (have a table)."""
    text = host.run(["dmsetup", "table", "--target", "thin"]).stdout     # nothing when none is active
    names = {}
    for t in parse_table(text) if text.strip() else []:
        if isinstance(t, ThinTable) and t.pool_dev in (pool.number, "/dev/mapper/" + pool.name):
            names.setdefault(t.device_id, []).append(t.name)
    return names


def mounts_of(dm_name):
    """Every mount namespace in which /dev/mapper/dm_name is mounted."""
    number = dm_device_number(dm_name)
    source = "/dev/mapper/" + dm_name
    return holders.find_holds(holders.MountQuery(
        (source,), lambda m: m.source == source or (number is not None and m.device == number),
        (number,) if number else ()))


def describe_active(names):
    """'active as X, mounted at /p in mnt:[..] (pid 1 cmd)' for a refusal."""
    parts = []
    for name in names:
        holds = mounts_of(name)
        parts.append("active as {}{}".format(name, "; " + "; ".join(holders.describe_hold(h) for h in holds)
                                             if holds else ", not mounted"))
    return " and ".join(parts)


def remove(host, name):
    """Deactivate one of OUR devices; refuses any other name, so a bug cannot remove Docker's."""
    if not name.startswith(OUR_PREFIX):
        raise GuardianError("refusing to remove device {}: not created by pool-guardian".format(name))
    host.run(["dmsetup", "remove", "--retry", name], changes=True)


def exists(host, name):
    return host.run(["dmsetup", "info", "-c", "--noheadings", "-o", "name", name], check=False).returncode == 0


def fs_type(host, dev):
    """The filesystem on a device, probed (blkid -p) rather than taken from Docker's records."""
    result = host.run(["blkid", "-p", "-o", "value", "-s", "TYPE", dev], check=False)
    kind = result.stdout.strip()
    if result.returncode != 0 or kind not in ("xfs", "ext4", "ext3"):
        raise GuardianError("{}: no xfs or ext4 filesystem found ({})".format(
            dev, kind or "blkid exit {}".format(result.returncode)))
    return kind


def mount_options(kind, rw):
    """Docker's devices are snapshots of one base filesystem: every xfs copy has the same UUID
    (nouuid). Read-only must not write at all: no log recovery (xfs) or journal replay (ext4)."""
    if kind == "xfs":
        return "nouuid" if rw else "ro,nouuid,norecovery"
    return "rw" if rw else "ro,noload"


def mount_device(host, done, name, pool, device_id, size_bytes, directory, rw):
    """Activate the pool's thin device device_id as `name`, size_bytes long, and mount it at
    directory, appending each step's undo to done. Returns the device's path and filesystem."""
    sectors = -(-size_bytes // SECTOR_BYTES)
    host.run(["dmsetup", "create", name, "--table",
              "0 {} thin /dev/mapper/{} {}".format(sectors, pool.name, device_id)], changes=True)
    done.append(lambda: remove(host, name))
    dev = "/dev/mapper/" + name
    kind = fs_type(host, dev)
    host.run(["mount", "-t", kind, "-o", mount_options(kind, rw), dev, directory], changes=True)
    done.append(lambda: host.run(["umount", directory], changes=True))
    return dev, kind


def cleanup(done):
    """Run cleanup steps newest first; every step runs, the failures are returned as lines."""
    failures = []
    for step in reversed(done):
        try:
            step()
        except (GuardianError, OSError) as exc:
            failures.append(str(exc))
    return failures


def undo_after(done, error):
    """After `error`, clean up, then raise the original error with any failed cleanup named after it."""
    message = str(error) if isinstance(error, GuardianError) else "{}: {}".format(
        getattr(error, "filename", None) or "", getattr(error, "strerror", None) or error)
    failures = cleanup(done)
    if failures:
        message += "; cleanup incomplete: " + "; ".join(failures)
    raise GuardianError(message)


def finish(done, what):
    """Clean up after success; a failed step is an error that says the work itself was done."""
    failures = cleanup(done)
    if failures:
        raise GuardianError("{} done, but cleanup incomplete: {}".format(what, "; ".join(failures)))
