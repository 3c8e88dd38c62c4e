"""Space that Docker has lost track of: thin devices the pool holds and no file of Docker's metadata
names (issue 31 section 4). Pure: the pool's devices and Docker's records are read elsewhere.

Docker (moby's devmapper deviceset) keeps one JSON file per thin device under
devicemapper/metadata/, named by the device's hash, with its "device_id". To create a device it
first writes transaction-metadata (open_transaction_id = the pool's transaction id + 1, the device
id), then creates the device in the pool, then writes the device's file, then raises the pool's
transaction id: between the second and the third step the pool holds a device no file names, and
the transaction is open. A crash there, or a removal that deleted the file but not the device (the
"Unknown device" family, moby#22031, #29914), leaves an orphan: its blocks are lost to every
container, and Docker never deletes it (it even skips its id, "exists in pool but it is supposedly
unused").

A device may be deleted only when, read just before the delete: every file of Docker's metadata
was read (an unreadable one may name it), none names its id, no transaction is open, the device is
not active, and it was an orphan already a grace period earlier (the same device: same id and
creation time).
"""
from typing import NamedTuple, Optional

from guardian.units import format_bytes

BASE = "base"       # Docker's base device's file: every Docker that set up this pool has one


class Skipped(NamedTuple):
    """Not looked for, and why (the doctor's check says SKIP)."""
    why: str


class DockerDevice(NamedTuple):
    device_hash: str
    deleted: bool       # deferred deletion: Docker failed to delete it (busy) and retries later


class DockerRecords(NamedTuple):
    """Docker's devicemapper metadata directory, read at one moment."""
    directory: str
    named: dict             # device id -> DockerDevice
    unreadable: tuple = ()  # (path, why): a file that could not be read may name any device
    transaction: object = None   # observe.docker_files.Transaction; None: Docker never wrote one


class Orphan(NamedTuple):
    device_id: int
    mapped_bytes: int
    create_time: int        # dm-thin's creation counter: tells this device from a later one with its id


class Held(NamedTuple):
    """A deferred-deleted device the pool still holds, and what holds it."""
    device_id: int
    device_hash: str
    mapped_bytes: int
    holders: tuple          # one line each: 'active as NAME, mounted at ...'; empty: nothing holds it


class Survey(NamedTuple):
    pool: str
    devices: int            # how many thin devices the pool holds
    orphans: tuple          # Orphan, by device id
    held: tuple             # Held, by device id
    source: str             # where it was read


def open_transaction(records, pool_transaction_id):
    """Docker's transaction when it is open (its id above the pool's), else None."""
    transaction = records.transaction
    if transaction is not None and transaction.open_transaction_id > pool_transaction_id:
        return transaction
    return None


def find_orphans(devices, records, block_bytes, pool_transaction_id, claimed=None):
    """The pool's devices no file of Docker's names, by id; the device of an open transaction is
    Docker's own work in progress, never an orphan, nor one LVM keeps a thin volume on (claimed:
    {id: 'vg/lv'}, when the pool is an LVM volume)."""
    busy = open_transaction(records, pool_transaction_id)
    return tuple(Orphan(d.device_id, d.mapped_blocks * block_bytes, d.create_time)
                 for d in sorted(devices, key=lambda d: d.device_id)
                 if d.device_id not in records.named and d.device_id not in (claimed or {})
                 and (busy is None or d.device_id != busy.device_id))


def deferred_deleted(devices, records, block_bytes, holders_of):
    """Devices Docker marked deleted that the pool still holds, each with holders_of(id)'s lines."""
    return tuple(Held(d.device_id, records.named[d.device_id].device_hash, d.mapped_blocks * block_bytes,
                      tuple(holders_of(d.device_id)))
                 for d in sorted(devices, key=lambda d: d.device_id)
                 if d.device_id in records.named and records.named[d.device_id].deleted)


def untrusted(records, pool_ids, pool_name, docker_pool=None):
    """Why Docker's records cannot be set against this pool at all (every device would look like
    an orphan), or None: no base device file, its device not in this pool, or dockerd on another."""
    if docker_pool and docker_pool != pool_name:
        return "dockerd uses pool {}, not {}".format(docker_pool, pool_name)
    base = [i for i, d in records.named.items() if d.device_hash == BASE]
    if not base:
        if any(path.endswith("/" + BASE) for path, _ in records.unreadable):
            return None     # the refusal names the unreadable file
        return "{} has no '{}' file: not Docker's devicemapper metadata (another --docker-root?)".format(
            records.directory, BASE)
    if base[0] not in pool_ids:
        return "Docker's base device {} is not in pool {}: {} is not this pool's metadata".format(
            base[0], pool_name, records.directory)
    return None


def refusal(orphan, records, pool_transaction_id, active_names, first_seen_create_time=None, claimed=None):
    """Why the orphan must not be deleted now, from reads made just before; None: it may be.
    first_seen_create_time: its creation time a grace period earlier (None: it was not there)."""
    if orphan.device_id in (claimed or {}):
        return "LVM keeps the thin volume {} on it".format(claimed[orphan.device_id])
    if records.unreadable:
        path, why = records.unreadable[0]
        return "{} could not be read ({}): it may name device {}".format(path, why, orphan.device_id)
    named = records.named.get(orphan.device_id)
    if named is not None:
        return "Docker's metadata names it now ({})".format(named.device_hash[:12])
    busy = open_transaction(records, pool_transaction_id)
    if busy is not None:
        return "Docker's transaction {} is open (device {}, pool at {}): Docker is creating or deleting " \
               "a device".format(busy.open_transaction_id, busy.device_id, pool_transaction_id)
    if active_names:
        return "it is active as {}".format(", ".join(active_names))
    if first_seen_create_time != orphan.create_time:
        return "it was not an orphan a grace period ago" if first_seen_create_time is None else \
            "its id was reused since the first look (created at {}, then {})".format(
                first_seen_create_time, orphan.create_time)
    return None


def describe_orphans(orphans):
    """'7 (512 MiB), 9 (0 B)'."""
    return ", ".join("{} ({})".format(o.device_id, format_bytes(o.mapped_bytes)) for o in orphans)


def describe_held(held):
    return "; ".join("{} ({}, {}): {}".format(h.device_id, h.device_hash[:12], format_bytes(h.mapped_bytes),
                                              ", ".join(h.holders) or "nothing holds it") for h in held)


def mapped_total(orphans):
    return sum(o.mapped_bytes for o in orphans)


def one_line(survey):
    """What the survey found, on one line."""
    parts = ["{} of the {} thin devices in pool {} no file of Docker's metadata names, mapping {}{}".format(
        len(survey.orphans), survey.devices, survey.pool, format_bytes(mapped_total(survey.orphans)),
        ": " + describe_orphans(survey.orphans) if survey.orphans else "")]
    if survey.held:
        parts.append("{} deferred-deleted device(s) still in the pool: {}".format(
            len(survey.held), describe_held(survey.held)))
    return "; ".join(parts) + " ({})".format(survey.source)


def grace_left(first_at, now, grace):
    """Seconds until a device seen at first_at is a grace period old (0: it is)."""
    return max(0.0, first_at + grace - now)


def first_look(survey):
    """{device id: creation time} of the survey's orphans, for the second look."""
    return {o.device_id: o.create_time for o in survey.orphans}


def kept_after(first, second):
    """The first look's orphans gone from the second look's list (deleted, or named by Docker
    since), each with why: [(device id, why)]."""
    now = {o.device_id for o in second.orphans}
    return [(device_id, "no longer an orphan at the second look") for device_id in sorted(first)
            if device_id not in now]


def planned(first, second):
    """The second look's orphans that the first look saw too: the only ones a reclaim acts on."""
    return tuple(o for o in second.orphans if o.device_id in first)


def describe_refusal(orphan, why):
    # type: (Orphan, Optional[str]) -> str
    return "{} ({}): {}".format(orphan.device_id, format_bytes(orphan.mapped_bytes), why)
