"""The thin devices a pool holds, as thin_ls prints them from the pool's metadata. Pure.

Only fields thin_ls reads from the device details tree are asked for, so it does not walk the
mappings (EXCLUSIVE_BLOCKS would): cheap even on a big pool. CREATE_TIME is dm-thin's counter of
snapshots at the device's creation, not a clock: the same id deleted and made again has another,
which is how a second look tells a device it saw before from a new one with its id.
"""
import re
from typing import NamedTuple

from guardian.errors import ParseError

FIELDS = ("DEV", "MAPPED_BLOCKS", "CREATE_TIME", "SNAP_TIME")
THIN_LS_FIELDS = ",".join(FIELDS)
WHOLE = re.compile(r"^[0-9]{1,20}$")      # '²'.isdigit() is True


class PoolDevice(NamedTuple):
    device_id: int
    mapped_blocks: int
    create_time: int
    snap_time: int


def parse_pool_devices(text):
    """thin_ls --format DEV,MAPPED_BLOCKS,CREATE_TIME,SNAP_TIME output (its header line optional)."""
    devices = [PoolDevice(*row) for row in thin_ls_rows(text, FIELDS)]
    ids = [d.device_id for d in devices]
    if len(set(ids)) != len(ids):
        raise ParseError("thin_ls: device {} listed twice".format(
            next(i for i in ids if ids.count(i) > 1)))
    return devices


def thin_ls_rows(text, fields):
    """Each line of thin_ls --format FIELDS output as a tuple of whole numbers, the header skipped."""
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split()
        if not words or words[0] == fields[0]:
            continue
        if len(words) != len(fields) or not all(WHOLE.match(w) for w in words):
            raise ParseError("thin_ls line {}: expected {} as {} whole numbers, got {!r}".format(
                number, " ".join(fields), len(fields), line.strip()))
        rows.append(tuple(int(w) for w in words))
    return rows
