"""Grow a direct-lvm pool with lvextend, unless LVM already grows it itself.

LVM's dmeventd can autoextend a monitored thin pool (thin_pool_autoextend_threshold below 100,
often set through a profile as Docker's docs recommend). Two growers on one pool would each
think the other's growth is their own room: a pool LVM monitors with autoextend on is refused,
with a message saying so, and left to LVM. Each grow asks LVM afresh (lvs, lvm config), so a
change of monitoring or of the profile counts at the next grow.

lvextend runs with activation/monitoring off, which leaves the pool's registration with dmeventd
as the operator made it, as dmeventd's own extends do; otherwise lvextend registers an
unmonitored pool (as lvm.conf says) and re-registers a monitored one around the suspend.
"""
from typing import NamedTuple, Optional

from guardian.config.schema import MAX_METADATA_BYTES
from guardian.decide.growth import (METADATA_MIN_STEP, Growth, Refusal, align_up, at_maximum, next_data_size,
                                    next_size, room_problem)
from guardian.errors import CommandError
from guardian.host.kernel import block_device_name
from guardian.observe.lvm_report import config_integer, name_prefixed_row, pool_lv

# lvextend suspends and resumes the pool itself: give it time, but less than the unit's
# WatchdogSec (60 s), so that a hung one is killed and recovered from by the grow, not the restart.
LVM_TIMEOUT = 45.0


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


class LvmGrow(NamedTuple):
    """One direct-lvm grow, as planned: the lvextend that makes it and what it gives."""
    lv: str                 # vg/pool
    growth: Growth
    argv: list
    autoextend: Autoextend  # as LVM said when the grow was planned, for the journal


LV_FIELDS = "seg_monitor,lv_profile,vg_name,vg_size,vg_free,vg_extent_size"
THRESHOLD = "thin_pool_autoextend_threshold"
# lvs reports seg_monitor only while activation/monitoring is 1: with it off in lvm.conf, a pool
# registered by hand (lvchange --monitor y) would read as unmonitored (LVM 2.03.16, test bed).
MONITORING_REPORTED = "activation{monitoring=1}"
MONITORED = ("monitored", "pending")    # pending: dmeventd is taking the pool on right now
# With monitoring off, lvextend neither registers the pool with dmeventd after the resume nor
# unregisters it around the suspend (LVM 2.03.16, seen in the test bed): it stays as it was.
UNMONITORED = "activation{monitoring=0}"


def read_pool_lv(host, lv):
    """(VolumeGroup, Autoextend) of the pool LV, as LVM says now: one lvs for its monitoring,
    profile and VG sizes, then `lvm config` for the threshold LVM applies to it."""
    text = host.run(["lvs", "--config", MONITORING_REPORTED, "--noheadings", "--nameprefixes", "--units", "b",
                       "--nosuffix", "-o", LV_FIELDS, lv], timeout=LVM_TIMEOUT).stdout
    row = name_prefixed_row(text)
    try:
        vg = VolumeGroup(row["vg_name"], int(row["vg_size"]), int(row["vg_free"]), int(row["vg_extent_size"]))
    except (KeyError, ValueError):
        raise CommandError("lvs {}: no sizes in its report: {!r}".format(lv, text.strip()[:200]))
    profile = row.get("lv_profile", "")
    return vg, Autoextend(row.get("seg_monitor") in MONITORED, read_threshold(host, profile), profile)


def read_threshold(host, profile=""):
    """thin_pool_autoextend_threshold as LVM applies it to the pool, its profile included; None
    when `lvm config` gives none (it fails when the profile file is gone)."""
    text = host.run(["lvm", "config", "--type", "full"] + (["--metadataprofile", profile] if profile else []) +
                      ["activation/" + THRESHOLD], timeout=LVM_TIMEOUT, check=False).stdout
    return config_integer(text, THRESHOLD)


def lv_of(pool):
    return pool_lv(block_device_name(pool.table.data_dev)) if pool.table else None


def lvm_grow_for(pool, part, settings, host, fill_rate=0.0):
    """An LvmGrow or the Refusal; a data step is sized from the fill rate too (grow.absorb), as
    far as the volume group's free space and reserve allow."""
    lv = lv_of(pool)
    if lv is None:
        return Refusal("cannot tell which LVM volume is the pool (data device {})".format(
            pool.table and pool.table.data_dev))
    vg, auto = read_pool_lv(host, lv)
    if auto.active:
        return Refusal("{}: LVM grows this pool itself; leaving it to LVM (set the threshold to 100 or "
                       "disable monitoring to let pool-guardian grow it)".format(auto.describe(lv)), critical=False)
    if auto.monitored and auto.threshold is None:
        # lvm config --type full always gives the threshold, its default included: it failed
        return Refusal("LVM monitors {} but `lvm config` gave no {}{}: not growing a pool LVM may be growing "
                       "itself".format(lv, THRESHOLD, " (profile {})".format(auto.profile) if auto.profile else ""))
    section = settings.ladder.grow
    why = ""
    if part == "data":
        current = pool.data_total_bytes
        maximum = section.max_data_size.resolve(vg.size)
        new, why = next_data_size(current, pool.data_used_bytes or 0, fill_rate, section,
                                  settings.watermarks.data, maximum, vg.extent,
                                  current + vg.free - section.reserve.resolve(vg.size))
    else:
        current = pool.metadata_total_bytes
        maximum = min(section.max_metadata_size.resolve(vg.size), MAX_METADATA_BYTES)
        new = next_size(current, section.metadata_step, METADATA_MIN_STEP, maximum, vg.extent)
    if new is None:
        return Refusal(at_maximum(part, current, maximum))
    growth = Growth(part, current, new, why)
    step = align_up(growth.step_bytes, vg.extent)
    # Metadata growth also grows LVM's spare metadata LV (_pmspare) to match: count it twice.
    need = step * (2 if part == "metadata" else 1)
    problem = room_problem(need, vg.free, section.reserve.resolve(vg.size), "volume group " + vg.name)
    if problem:
        return Refusal(problem)
    argv = ["lvextend", "--config", UNMONITORED]
    if part == "data":
        argv += ["-l", "+{}".format(step // vg.extent), lv]
    else:
        argv += ["--poolmetadatasize", "+{}b".format(step), lv]
    return LvmGrow(lv, growth, argv, auto)

