"""Thin devices Docker has lost track of: found for the doctor's `orphan_devices`, deleted by
`pool-guardian doctor --reclaim [--yes]` (decide/orphans.py says which and why).

A look reads, in this order: the pool's devices (thin_ls on a metadata snapshot, always released),
the pool's transaction id (dmsetup status), then Docker's files (every metadata/<hash>, and
transaction-metadata), then which devices are active. A device the pool holds was created before
the first read, so by the time Docker's files are read either its file is there or Docker's
transaction is still open; either keeps it. On a direct-lvm pool, a thin volume LVM itself keeps in
the pool (lvs thin_id) is never an orphan either.

The reclaim looks once and shows its plan; with --yes it waits out the grace period (holding no
lock, so the daemon may act meanwhile), then under the action lock looks again, and deletes only
what was an orphan both times, the same device (id and creation time). Right before each delete it
reads the pool's transaction id, Docker's files and the active devices afresh; before the first
and after each, the pool must be neither suspended nor failed, read-only or needing a check, or it
stops there.
"""
import os
import sys
import time
from typing import NamedTuple, Optional

from guardian.act.grow_lvm import LVM_TIMEOUT, lv_of
from guardian.decide.orphans import (DockerDevice, DockerRecords, Skipped, Survey, deferred_deleted,
                                     describe_refusal, find_orphans, first_look, grace_left, kept_after, mapped_total,
                                     one_line, open_transaction, planned, refusal, untrusted)
from guardian.errors import GuardianError, ParseError
from guardian.host import devmapper
from guardian.host.lock import action_lock
from guardian.observe.dmsetup import ThinPoolStatus, parse_status
from guardian.observe.docker_files import parse_device_claim, parse_transaction_metadata
from guardian.observe.lvm_report import thin_ids
from guardian.observe.pool_devices import THIN_LS_FIELDS, parse_pool_devices
from guardian.tools import docker_state, thin_devices, top
from guardian.units import format_bytes

GRACE_SECONDS = 120.0
TRANSACTION_WAIT = 10.0     # seconds an open Docker transaction is waited for before a device is kept
TRANSACTION_FILE = "transaction-metadata"
DEVICESET_FILE = "deviceset-metadata"
RECLAIMED, KEPT, UNKNOWN = 0, 1, 3     # doctor --reclaim's exit codes (guardian/exit_codes.py)


class Where(NamedTuple):
    """What a look reads: the pool, Docker's root, the pool dockerd says it uses, the pool's LV."""
    pool: object            # tools.thin_devices.Pool
    root: str
    docker_pool: Optional[str] = None
    lv: Optional[str] = None    # 'vg/lv' of a direct-lvm pool: LVM's own thin volumes are never orphans


class Look(NamedTuple):
    at: float
    survey: Survey


def where_of(snapshot, root_flag=None):
    docker = snapshot.docker
    return Where(thin_devices.pool_of(snapshot), docker_root_of(snapshot, root_flag),
                 docker.pool_name if docker is not None else None, lv_of(snapshot.pool))


def lvm_claimed(host, lv):
    """{thin id: 'vg/lv'} of LVM's thin volumes in the pool; {} when the pool is not an LVM volume."""
    if lv is None:
        return {}
    text = host.run(["lvs", "--noheadings", "--nameprefixes", "-o", "vg_name,lv_name,pool_lv,thin_id",
                     lv.partition("/")[0]], timeout=LVM_TIMEOUT).stdout
    return thin_ids(text, lv)


def docker_root_of(snapshot, flag=None):
    """--docker-root, else the running dockerd's Docker Root Dir, else daemon.json's, else the default."""
    if flag:
        return flag
    docker = snapshot.docker
    if docker is not None and docker.docker_root_dir:
        return docker.docker_root_dir
    return docker_state.docker_root()


def read_records(root):
    """Every file of Docker's devicemapper metadata: one that cannot be read is kept as unreadable
    (it may name any device), never skipped."""
    directory = docker_state.metadata_dir(root)
    try:
        names = sorted(os.listdir(directory))
    except OSError as exc:
        raise GuardianError("{}: {}: Docker's devicemapper metadata not found (give --docker-root)".format(
            directory, exc.strerror))
    named, unreadable, transaction = {}, [], None
    for name in names:
        path = os.path.join(directory, name)
        if name == DEVICESET_FILE:
            continue
        try:
            text = docker_state.read_text(path)
            if name == TRANSACTION_FILE:
                transaction = parse_transaction_metadata(text)
            else:
                device_id, deleted = parse_device_claim(text)
                named[device_id] = DockerDevice(name, deleted)
        except OSError as exc:
            unreadable.append((path, exc.strerror))
        except ParseError as exc:
            unreadable.append((path, str(exc)))
    return DockerRecords(directory, named, tuple(unreadable), transaction)


def pool_status(host, pool):
    statuses = [s for s in parse_status(host.run(["dmsetup", "status", pool.name]).stdout)
                if isinstance(s, ThinPoolStatus)]
    if not statuses or statuses[0].transaction_id is None:
        raise GuardianError("dmsetup status {}: no thin-pool status with a transaction id".format(pool.name))
    return statuses[0]


def read_pool_devices(host, pool):
    with action_lock(top.SNAP_LOCK):
        return parse_pool_devices(top.read_usage(host, pool, THIN_LS_FIELDS))


def look(host, where, clock=time.time):
    """The pool's devices set against Docker's files, read in the order the module says."""
    pool = where.pool
    at = clock()
    devices = read_pool_devices(host, pool)
    transaction_id, records = docker_side(host, where)
    problem = untrusted(records, {d.device_id for d in devices}, pool.name, where.docker_pool)
    if problem:
        raise GuardianError(problem)
    claimed = lvm_claimed(host, where.lv)
    active = thin_devices.active_names(host, pool)

    def holders(device_id):
        return [thin_devices.describe_active([name]) for name in active.get(device_id, ())]
    survey = Survey(pool.name, len(devices),
                    find_orphans(devices, records, pool.block_bytes, transaction_id, claimed),
                    deferred_deleted(devices, records, pool.block_bytes, holders),
                    "thin_ls of {}, {}".format(pool.name, records.directory))
    return Look(at, survey)


def docker_side(host, where, patience=TRANSACTION_WAIT, clock=time.monotonic, sleep=time.sleep):
    """(the pool's transaction id, Docker's records), read in that order. Docker's transactions and
    its file writes (a .tmp- file, then a rename) last a moment: while one is open or a file cannot
    be read, both are read again, for up to patience seconds."""
    deadline = clock() + patience
    while True:
        transaction_id = pool_status(host, where.pool).transaction_id
        records = read_records(where.root)
        if (open_transaction(records, transaction_id) is None and not records.unreadable) or clock() >= deadline:
            return transaction_id, records
        sleep(0.5)


def why_not_now(host, where, orphan, first, patience=TRANSACTION_WAIT):
    """decide.orphans.refusal on reads made now."""
    transaction_id, records = docker_side(host, where, patience)
    active = thin_devices.active_names(host, where.pool).get(orphan.device_id, ())
    return refusal(orphan, records, transaction_id, active, first.get(orphan.device_id),
                   lvm_claimed(host, where.lv))


def orphan_survey(snapshot, host, why_not=None):
    """The doctor's fact: a Survey, or Skipped (why_not: the caller may not change the pool, and
    the device list is read from a metadata snapshot, which is a change; Docker on another driver)."""
    if why_not:
        return Skipped(why_not + " (the pool's device list is read from a metadata snapshot, a change)")
    docker = snapshot.docker
    if docker is not None and docker.storage_driver and docker.storage_driver != "devicemapper":
        return Skipped("Docker's storage driver is {}".format(docker.storage_driver))
    return look(host, where_of(snapshot)).survey


def reclaim(app, snapshot, root_flag, yes, grace, out=sys.stdout, err=sys.stderr, clock=time.time,
            sleep=time.sleep):
    """`doctor --reclaim`: the plan, then (--yes) the deletes. Returns the exit code."""
    where = where_of(snapshot, root_flag)
    first = look(app.host, where, clock)
    out.write(one_line(first.survey) + "\n")
    if not first.survey.orphans:
        out.write("nothing to delete\n")
        return RECLAIMED
    if not yes:
        return _dry_run(app.host, where, first, grace, out)
    wait = grace_left(first.at, clock(), grace)
    if wait:
        err.write("pool-guardian doctor: waiting {:g} s: a device is deleted only if it is still an orphan "
                  "a grace period after it was first seen\n".format(wait))
        sleep(wait)
    with action_lock():
        second = look(app.host, where, clock)
        return _delete(app.host, where, first_look(first.survey), second.survey, out)


def _dry_run(host, where, first, grace, out):
    seen = first_look(first.survey)
    would, kept = [], []
    for orphan in first.survey.orphans:
        why = why_not_now(host, where, orphan, seen, patience=0)
        (kept if why else would).append(describe_refusal(orphan, why) if why else
                                        "{} ({})".format(orphan.device_id, format_bytes(orphan.mapped_bytes)))
    if would:
        out.write("would delete: {}\n".format(", ".join(would)))
    for line in kept:
        out.write("would keep {}\n".format(line))
    out.write("dry-run: nothing deleted; --yes deletes them, each checked again after a {:g} s grace "
              "and right before its delete\n".format(grace))
    return RECLAIMED


def _delete(host, where, first, second, out):
    pool = where.pool
    kept = kept_after(first, second)
    deleted = []
    problem = pool_problem(host, pool)
    if problem:
        out.write("nothing deleted: {}\n".format(problem))
        return KEPT
    for orphan in planned(first, second):
        why = why_not_now(host, where, orphan, first)
        if why:
            kept.append((orphan.device_id, why))
            out.write("kept {}\n".format(describe_refusal(orphan, why)))
            continue
        try:
            host.run(["dmsetup", "message", pool.name, "0", "delete {}".format(orphan.device_id)], changes=True)
        except GuardianError as exc:
            kept.append((orphan.device_id, str(exc)))
            out.write("kept {}\n".format(describe_refusal(orphan, "the delete failed: {}".format(exc))))
            continue
        deleted.append(orphan)
        out.write("deleted {} ({})\n".format(orphan.device_id, format_bytes(orphan.mapped_bytes)))
        problem = pool_problem(host, pool)
        if problem:
            out.write("stopped: after deleting {}, {}\n".format(orphan.device_id, problem))
            return KEPT
    for device_id, why in kept_after(first, second):
        out.write("kept {}: {}\n".format(device_id, why))
    out.write("reclaimed {}: {} deleted, {} kept\n".format(format_bytes(mapped_total(deleted)), len(deleted),
                                                           len(kept)))
    return KEPT if kept else RECLAIMED


def pool_problem(host, pool):
    """Why the pool is not fit to go on after a delete (suspended, failed, read-only, needs a check)."""
    try:
        info = devmapper.device_info(pool.name)
    except devmapper.DevmapperError as exc:
        return "its state could not be read: {}".format(exc)
    if info.suspended:
        return "pool {} is suspended".format(pool.name)
    status = pool_status(host, pool)
    if status.failed or status.needs_check or status.mode == "ro":
        return "pool {} is {}".format(pool.name, status.failed or ("needs_check" if status.needs_check else "ro"))
    return None

