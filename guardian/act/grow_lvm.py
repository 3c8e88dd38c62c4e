"""Grow a direct-lvm pool with lvextend, unless LVM already grows it itself.

LVM's dmeventd can autoextend a monitored thin pool (thin_pool_autoextend_threshold below 100,
often set through a profile as Docker's docs recommend). Two growers on one pool would each
think the other's growth is their own room: a pool LVM monitors with autoextend on is refused,
with a message saying so, and left to LVM.
"""
from typing import NamedTuple, Optional

from guardian.act.sizes import (METADATA_MIN_STEP, Growth, align_up, at_maximum, next_data_size, next_size,
                                pool_lv, room_problem)
from guardian.config.schema import MAX_METADATA_BYTES
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


def _words(runner, argv):
    return runner.run(argv, timeout=LVM_TIMEOUT).stdout.split()


def read_vg(runner, vg):
    size, free, extent = (int(w) for w in _words(runner, [
        "vgs", "--noheadings", "--units", "b", "--nosuffix", "-o", "vg_size,vg_free,vg_extent_size", vg]))
    return VolumeGroup(vg, size, free, extent)


def read_autoextend(runner, lv):
    """Whether dmeventd monitors the pool, and the threshold LVM would use for it."""
    out = runner.run(["lvs", "--noheadings", "--separator", "|", "-o", "seg_monitor,lv_profile", lv],
                     timeout=LVM_TIMEOUT).stdout.strip().split("|")
    monitor, profile = out[0].strip(), (out[1].strip() if len(out) > 1 else "")
    argv = ["lvm", "config", "--type", "full"] + (["--metadataprofile", profile] if profile else []) + [
        "activation/thin_pool_autoextend_threshold"]
    text = runner.run(argv, timeout=LVM_TIMEOUT, check=False).stdout
    value = text.strip().rpartition("=")[2].strip()
    return Autoextend(monitor == "monitored", int(value) if value.isdigit() else None, profile)


def lv_of(pool):
    return pool_lv(device_name(pool.table.data_dev)) if pool.table else None


def plan_lvm_grow(pool, part, settings, runner, fill_rate=0.0):
    """(lv, Growth, argv) or the one-line reason there is none; a data step is sized from the
    fill rate too (grow.absorb), as far as the volume group's free space and reserve allow."""
    lv = lv_of(pool)
    if lv is None:
        return "cannot tell which LVM volume is the pool (data device {})".format(
            pool.table and pool.table.data_dev)
    auto = read_autoextend(runner, lv)
    if auto.active:
        return LeftToLvm("{}: LVM grows this pool itself; leaving it to LVM (set the threshold to 100 or "
                         "disable monitoring to let pool-guardian grow it)".format(auto.describe(lv)))
    section = settings.ladder.grow
    vg = read_vg(runner, lv.split("/")[0])
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
    if part == "data":
        argv = ["lvextend", "-l", "+{}".format(step // vg.extent), lv]
    else:
        argv = ["lvextend", "--poolmetadatasize", "+{}b".format(step), lv]
    return lv, growth, argv, auto


def describe_growth(growth):
    why = " (step sized for {} of writing)".format(growth.sized_by) if growth.sized_by else ""
    return "{} {} -> {}{}".format(growth.part, format_bytes(growth.old_bytes), format_bytes(growth.new_bytes), why)
