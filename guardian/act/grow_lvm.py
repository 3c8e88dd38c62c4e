"""Grow a direct-lvm pool with lvextend, unless LVM already grows it itself.

LVM's dmeventd can autoextend a monitored thin pool (thin_pool_autoextend_threshold below 100,
often set through a profile as Docker's docs recommend). Two growers on one pool would each
think the other's growth is their own room: a pool LVM monitors with autoextend on is refused,
with a message saying so, and left to LVM.

A grow is one lvs, one lvm config and one lvextend, run in-process where liblvm2cmd is present
(guardian.host.lvm_library). A pool dmeventd does not monitor is extended with monitoring off:
lvextend would otherwise register it (as lvm.conf's activation/monitoring says), which changes
what the operator chose and costs a quarter of a second of waiting for dmeventd under load. A
monitored pool is extended as LVM always does: unmonitored around the suspend, monitored again.
"""
import os
import tempfile
from typing import NamedTuple, Optional

from guardian.act.sizes import (METADATA_MIN_STEP, Growth, align_up, at_maximum, next_data_size, next_size,
                                pool_lv, room_problem)
from guardian.config.schema import MAX_METADATA_BYTES
from guardian.errors import CommandError
from guardian.observe.lvm_report import config_integer, name_prefixed_row
from guardian.observe.sources import device_name
from guardian.units import format_bytes

LVM_TIMEOUT = 120.0     # lvextend suspends and resumes the pool itself; give it time


class LeftToLvm(str):
    """A refusal that is no problem: LVM's own autoextend grows this pool."""


class VolumeGroup(NamedTuple):
    name: str
    size: int
    free: int
    extent: int


class Autoextend(NamedTuple):
    monitored: bool
    threshold: Optional[int]    # percent; 100 means off
    profile: str

    @property
    def active(self):
        return self.monitored and self.threshold is not None and self.threshold < 100

    def describe(self, lv):
        where = " (profile {})".format(self.profile) if self.profile else ""
        return "LVM {} {} with thin_pool_autoextend_threshold={}{}".format(
            "monitors" if self.monitored else "does not monitor", lv,
            "unset" if self.threshold is None else self.threshold, where)


LV_FIELDS = "seg_monitor,lv_profile,vg_name,vg_size,vg_free,vg_extent_size"
THRESHOLD = "thin_pool_autoextend_threshold"
UNMONITORED = "activation{monitoring=0}"


def read_pool_lv(runner, lv):
    """The pool LV's monitoring and profile, and its VG's sizes, in one lvs (one LVM start-up)."""
    text = runner.run(["lvs", "--noheadings", "--nameprefixes", "--units", "b", "--nosuffix", "-o", LV_FIELDS, lv],
                      timeout=LVM_TIMEOUT).stdout
    row = name_prefixed_row(text)
    try:
        vg = VolumeGroup(row["vg_name"], int(row["vg_size"]), int(row["vg_free"]), int(row["vg_extent_size"]))
    except (KeyError, ValueError):
        raise CommandError("lvs {}: no sizes in its report: {!r}".format(lv, text.strip()[:200]))
    return vg, row.get("seg_monitor") == "monitored", row.get("lv_profile", "")


def read_threshold(runner, profile):
    """thin_pool_autoextend_threshold as LVM would apply it to the pool (its profile included).
    Written to a file, as lvm config does in-process too, where stdout is the daemon's own."""
    with tempfile.TemporaryDirectory(prefix="pool-guardian-") as directory:
        path = os.path.join(directory, "threshold")
        runner.run(["lvm", "config", "--type", "full", "--file", path] +
                   (["--metadataprofile", profile] if profile else []) + ["activation/" + THRESHOLD],
                   timeout=LVM_TIMEOUT, check=False)
        if not os.path.exists(path):
            return None
        with open(path) as handle:
            return config_integer(handle.read(), THRESHOLD)


def warm_up(pool, runner):
    """Read the pool LV once at start, so that a grow under fire does not pay the first LVM
    command's costs (the library's start-up, a cold device scan); (lv, VolumeGroup) or None."""
    lv = lv_of(pool)
    return None if lv is None else (lv, read_pool_lv(runner, lv)[0])


def lv_of(pool):
    return pool_lv(device_name(pool.table.data_dev)) if pool.table else None


def plan_lvm_grow(pool, part, settings, runner, fill_rate=0.0):
    """(lv, Growth, argv) or the one-line reason there is none; a data step is sized from the
    fill rate too (grow.absorb), as far as the volume group's free space and reserve allow."""
    lv = lv_of(pool)
    if lv is None:
        return "cannot tell which LVM volume is the pool (data device {})".format(
            pool.table and pool.table.data_dev)
    vg, monitored, profile = read_pool_lv(runner, lv)
    auto = Autoextend(monitored, read_threshold(runner, profile), profile)
    if auto.active:
        return LeftToLvm("{}: LVM grows this pool itself; leaving it to LVM (set the threshold to 100 or "
                         "disable monitoring to let pool-guardian grow it)".format(auto.describe(lv)))
    section = settings.ladder.grow
    why = ""
    if part == "data":
        current = pool.data_total_bytes
        maximum = section.max_data_size.resolve(vg.size)
        new, why = next_data_size(current, pool.data_used_bytes or 0, fill_rate, section,
                                  settings.watermarks.data.high, maximum, vg.extent,
                                  current + vg.free - section.reserve.resolve(vg.size))
    else:
        current = pool.metadata_total_bytes
        maximum = min(section.max_metadata_size.resolve(vg.size), MAX_METADATA_BYTES)
        new = next_size(current, section.metadata_step, METADATA_MIN_STEP, maximum, vg.extent)
    if new is None:
        return at_maximum(part, current, maximum)
    growth = Growth(part, current, new, why)
    step = align_up(growth.step_bytes, vg.extent)
    # Metadata growth also grows LVM's spare metadata LV (_pmspare) to match: count it twice.
    need = step * (2 if part == "metadata" else 1)
    problem = room_problem(need, vg.free, section.reserve.resolve(vg.size), "volume group " + vg.name)
    if problem:
        return problem
    # An unmonitored pool stays unmonitored; lvextend would otherwise register it with dmeventd.
    argv = ["lvextend"] + ([] if auto.monitored else ["--config", UNMONITORED])
    if part == "data":
        argv += ["-l", "+{}".format(step // vg.extent), lv]
    else:
        argv += ["--poolmetadatasize", "+{}b".format(step), lv]
    return lv, growth, argv, auto


def describe_growth(growth):
    why = " (step sized for {} of writing)".format(growth.sized_by) if growth.sized_by else ""
    return "{} {} -> {}{}".format(growth.part, format_bytes(growth.old_bytes), format_bytes(growth.new_bytes), why)
