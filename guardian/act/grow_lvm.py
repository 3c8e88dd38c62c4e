"""Grow a direct-lvm pool with lvextend, unless LVM already grows it itself.

LVM's dmeventd can autoextend a monitored thin pool (thin_pool_autoextend_threshold below 100,
often set through a profile as Docker's docs recommend). Two growers on one pool would each
think the other's growth is their own room: a pool LVM monitors with autoextend on is refused,
with a message saying so, and left to LVM.

A grow is one lvextend, run in-process where liblvm2cmd is present (guardian.host.lvm_library),
and one lvs unless the daemon read the pool LV before (PoolLv) and the VG has not changed since:
LVM rewrites the VG's metadata backup (backup/backup_dir) at every change, so one stat of that
file says whether lvs' sizes still hold (0.06-0.1 s of lvs saved in the race, measured in the
test bed). The autoextend threshold read with the pool LV holds while LVM's configuration files
are as they were (LvmSettings), which a few stats tell; otherwise `lvm config` reads it again
(about 0.012 s of each grow in the test bed). With autoextend set, lvs runs at every grow all the same:
whether dmeventd monitors the pool decides who grows it, and monitoring is no VG change.
lvextend runs with activation/monitoring off, which leaves the pool's registration with dmeventd
as the operator made it, as dmeventd's own extends do. Otherwise lvextend registers an
unmonitored pool (as lvm.conf's activation/monitoring says) and unregisters and registers a
monitored one around the suspend, waiting on dmeventd (a quarter of a second under load).
Where no page of the daemon can come from the pool, lvextend leaves its memory unpinned during
the suspend (memory_may_stay_unpinned).
"""
import os
import tempfile
from typing import NamedTuple, Optional

from guardian.act.sizes import (METADATA_MIN_STEP, Growth, align_up, at_maximum, next_data_size, next_size,
                                pool_lv, room_problem)
from guardian.config.schema import MAX_METADATA_BYTES
from guardian.errors import CommandError
from guardian.observe.lvm_report import config_integer, config_string, name_prefixed_row
from guardian.observe.memory_devices import kernel_names_below, mapped_file_devices, swap_devices
from guardian.observe.sources import device_name, kernel_name, kernel_name_of
from guardian.units import format_bytes

LVM_TIMEOUT = 120.0     # lvextend suspends and resumes the pool itself; give it time


class LeftToLvm(str):
    """A refusal that is no problem: LVM's own autoextend grows this pool."""


class VolumeGroup(NamedTuple):
    name: str
    size: int
    free: int
    extent: int


class LvmSettings(NamedTuple):
    """thin_pool_autoextend_threshold as LVM applies it to the pool (None: unset), and the files
    LVM's configuration comes from as they were just before it was read (sources None: they are
    not all known, and every grow reads it again)."""
    threshold: Optional[int]
    sources: Optional[tuple]    # ((path, file_stamp), ...)

    def still_current(self):
        return self.sources is not None and all(file_stamp(path) == stamp for path, stamp in self.sources)


class PoolLv(NamedTuple):
    """What one lvs said of the pool LV, the VG's metadata backup file as it was just before
    (backup_file None: LVM keeps no backup to go by, and every grow reads lvs again), LVM's
    settings for the pool, and the devices of the daemon's mapped files as the last warm-up read
    them (None: read them at the grow; see memory_may_stay_unpinned)."""
    lv: str
    vg: VolumeGroup
    monitored: bool
    profile: str
    backup_file: Optional[str]
    backup_stamp: Optional[tuple]
    lvm: LvmSettings
    mapped: Optional[frozenset] = None

    def still_current(self):
        return self.backup_file is not None and file_stamp(self.backup_file) == self.backup_stamp


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
PROFILE_DIR = "profile_dir"
LVM_SYSTEM_DIR = "/etc/lvm"      # unless the environment's LVM_SYSTEM_DIR says otherwise, as for LVM
BACKUP = ("backup/backup", "backup/backup_dir")
# lvs reports seg_monitor only while activation/monitoring is 1: with it off in lvm.conf, a pool
# registered by hand (lvchange --monitor y) would read as unmonitored (LVM 2.03.16, test bed).
MONITORING_REPORTED = "activation{monitoring=1}"
MONITORED = ("monitored", "pending")    # pending: dmeventd is taking the pool on right now
# With monitoring off, lvextend neither registers the pool with dmeventd after the resume nor
# unregisters it around the suspend (LVM 2.03.16, seen in the test bed): it stays as it was.
UNMONITORED = "activation{monitoring=0}"
# Nothing pinned: every maps line has a ':' (its device), so this filter skips them all; and no
# mlockall, which ignores the filter. (reserved_memory is read as LVM's context starts: measured,
# it has no effect per command.)
UNPINNED = 'activation{mlock_filter=[":"]}activation{use_mlockall=0}'


def read_pool_lv(runner, lv):
    """The pool LV's monitoring and profile, and its VG's sizes, in one lvs (one LVM start-up);
    the VG's backup file is looked at first, so that a change during lvs shows as a change."""
    backup_file = read_backup_file(runner, lv.partition("/")[0])
    stamp = file_stamp(backup_file) if backup_file else None
    text = runner.run(["lvs", "--config", MONITORING_REPORTED, "--noheadings", "--nameprefixes", "--units", "b",
                       "--nosuffix", "-o", LV_FIELDS, lv], timeout=LVM_TIMEOUT).stdout
    row = name_prefixed_row(text)
    try:
        vg = VolumeGroup(row["vg_name"], int(row["vg_size"]), int(row["vg_free"]), int(row["vg_extent_size"]))
    except (KeyError, ValueError):
        raise CommandError("lvs {}: no sizes in its report: {!r}".format(lv, text.strip()[:200]))
    profile = row.get("lv_profile", "")
    return PoolLv(lv, vg, row.get("seg_monitor") in MONITORED, profile,
                  backup_file if stamp else None, stamp, read_lvm_settings(runner, profile))


def file_stamp(path):
    """(inode, mtime, size) of a file or directory, None if absent: what a rewrite, a rename over
    it or (for a directory) an entry added or taken away changes."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def read_lvm_config(runner, keys, profile=""):
    """`lvm config` of keys as LVM would apply them (a profile included); written to a file, as
    lvm config does in-process too, where stdout is the daemon's own. '' when LVM says nothing."""
    with tempfile.TemporaryDirectory(prefix="pool-guardian-") as directory:
        path = os.path.join(directory, "config")
        runner.run(["lvm", "config", "--type", "full", "--file", path] +
                   (["--metadataprofile", profile] if profile else []) + list(keys),
                   timeout=LVM_TIMEOUT, check=False)
        if not os.path.exists(path):
            return ""
        with open(path) as handle:
            return handle.read()


def read_lvm_settings(runner, profile):
    """LvmSettings: the threshold, and the files it comes from stamped before it is read, so that
    a change during the read shows as a change. A profile is looked for where LVM keeps them by
    default; one kept elsewhere (config/profile_dir) leaves the sources unknown."""
    system_dir = os.path.normpath(os.environ.get("LVM_SYSTEM_DIR") or LVM_SYSTEM_DIR)
    profile_dir = os.path.join(system_dir, "profile")
    sources = config_sources(system_dir, profile and os.path.join(profile_dir, profile + ".profile"))
    text = read_lvm_config(runner, ["activation/" + THRESHOLD, "config/" + PROFILE_DIR], profile)
    if profile and os.path.normpath(config_string(text, PROFILE_DIR) or "") != profile_dir:
        sources = None
    return LvmSettings(config_integer(text, THRESHOLD), sources)


def config_sources(system_dir, profile_file):
    """((path, stamp), ...) of LVM's configuration: its system directory (a file added or taken
    away), every *.conf in it (lvm.conf, lvmlocal.conf, host tag files) and the pool's profile;
    None when the directory cannot be listed."""
    try:
        names = sorted(name for name in os.listdir(system_dir) if name.endswith(".conf"))
    except OSError:
        return None
    paths = [system_dir] + [os.path.join(system_dir, name) for name in names] + ([profile_file] if profile_file else [])
    return tuple((path, file_stamp(path)) for path in paths)


def read_backup_file(runner, vg_name):
    """The VG's metadata backup file, or None when LVM is set to keep none."""
    text = read_lvm_config(runner, BACKUP)
    directory = config_string(text, "backup_dir")
    return os.path.join(directory, vg_name) if config_integer(text, "backup") and directory else None


def warm_up(pool, runner):
    """Read the pool LV ahead of a grow (at start, and again after a ladder that changed the VG),
    so that a grow under fire does not pay the first LVM command's costs (the library's start-up,
    a cold device scan), nor an lvs while the VG stays as it is, nor a read of the daemon's
    mapped files; PoolLv or None. Where LVM runs in this process, lvextend is rehearsed too."""
    lv = lv_of(pool)
    if lv is None:
        return None
    known = read_pool_lv(runner, lv)     # in-process, the LVM libraries are mapped from here on
    try:
        known = known._replace(mapped=frozenset(mapped_file_devices()))
    except OSError:
        pass
    if runner.lvm_runs_in_process():
        rehearse_lvextend(pool, runner, lv, known.mapped)
    return known


def rehearse_lvextend(pool, runner, lv, mapped):
    """`lvextend --test` of one extent with a grow's settings: LVM writes no metadata and loads no
    table in test mode, and the real lvextend after it finds LVM in this process warm (test
    bed, a writer at 100 MB/s: the first grow 0.13-0.14 s after it against 0.16-0.17 s, later
    ones 0.11-0.12 against 0.14-0.15). It fails harmlessly where the VG has no extent free."""
    runner.run(["lvextend", "--test", "--config", lvextend_config(pool, mapped), "-l", "+1", lv],
               timeout=LVM_TIMEOUT, check=False)


def lvextend_config(pool, mapped=None):
    """lvextend's --config: the pool's registration with dmeventd left as it is, whatever it became
    since the daemon read it, and the daemon's memory unpinned when it may be."""
    return UNMONITORED + (UNPINNED if memory_may_stay_unpinned(pool, mapped) else "")


def known_or_read(runner, lv, known):
    """The daemon's PoolLv while it still holds, else a fresh one."""
    if known is not None and known.lv == lv and known.still_current():
        return known
    return read_again(runner, lv, known)


def read_again(runner, lv, known):
    """A fresh PoolLv that keeps the devices of the daemon's mapped files as the warm-up read
    them: a change of the VG, of the pool's monitoring or of which LV is the pool is no change of
    what the daemon itself maps."""
    return read_pool_lv(runner, lv)._replace(mapped=known.mapped if known is not None else None)


def lv_of(pool):
    return pool_lv(device_name(pool.table.data_dev)) if pool.table else None


def plan_lvm_grow(pool, part, settings, runner, fill_rate=0.0, known=None):
    """(lv, Growth, argv, Autoextend) or the one-line reason there is none; a data step is sized
    from the fill rate too (grow.absorb), as far as the volume group's free space and reserve
    allow. known: the PoolLv the daemon read before, used while the VG has not changed."""
    lv = lv_of(pool)
    if lv is None:
        return "cannot tell which LVM volume is the pool (data device {})".format(
            pool.table and pool.table.data_dev)
    facts = known_or_read(runner, lv, known)
    lvm = facts.lvm if facts.lvm.still_current() else read_lvm_settings(runner, facts.profile)
    auto = Autoextend(facts.monitored, lvm.threshold, facts.profile)
    if facts is known and (auto.threshold is None or auto.threshold < 100):
        # Monitoring is no VG change: with autoextend set (or not known to be off), dmeventd may
        # have been given the pool since, or had it taken away, and that decides who grows it.
        facts = read_again(runner, lv, known)
        auto = Autoextend(facts.monitored, facts.lvm.threshold, facts.profile)
    vg = facts.vg
    if auto.active:
        return LeftToLvm("{}: LVM grows this pool itself; leaving it to LVM (set the threshold to 100 or "
                         "disable monitoring to let pool-guardian grow it)".format(auto.describe(lv)))
    if auto.monitored and auto.threshold is None:
        # lvm config --type full always gives the threshold, its default included: it failed
        return "LVM monitors {} but `lvm config` gave no {}{}: not growing a pool LVM may be growing itself".format(
            lv, THRESHOLD, " (profile {})".format(auto.profile) if auto.profile else "")
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
    argv = ["lvextend", "--config", lvextend_config(pool, facts.mapped)]
    if part == "data":
        argv += ["-l", "+{}".format(step // vg.extent), lv]
    else:
        argv += ["--poolmetadatasize", "+{}b".format(step), lv]
    return lv, growth, argv, auto


def memory_may_stay_unpinned(pool, mapped=None):
    """Whether LVM may leave this process' memory unpinned while it suspends the pool: none of
    the devices its pages come from (mapped files, swap) is stacked on the pool's devices. Pinning
    faults in and locks every mapping (60 MiB of a Python daemon): in the test bed about 0.05 s of
    each grow and more of the first, and 15 MiB of RSS that stays after. Devices with major 0
    (tmpfs, nfs, 9p, overlay) are no block devices and cannot wait on a suspend; a device sysfs
    does not know is taken as stacked on the pool.

    mapped: the devices of the mapped files as the warm-up read them. Reading /proc/self/maps
    again took about 10 ms of a grow under a writer in the test bed (350 mappings); what the daemon
    maps later (a module imported late, a library LVM opens) comes from where its code and those
    libraries already came from. Swap is read at every grow: an area may be added at any time.
    Which devices are stacked on the pool is read at every grow too."""
    try:
        devices = (set(mapped) if mapped is not None else mapped_file_devices()) | swap_devices()
    except OSError:
        return False
    # lvextend suspends the pool and its data and metadata LVs, and with them all stacked on those
    suspended = {kernel_name(pool.name)} | {kernel_name_of(dev) for dev in (pool.table.data_dev, pool.table.metadata_dev)}
    for device in devices:
        if device.startswith("0:"):
            continue
        below = kernel_names_below(device)
        if below is None or below & suspended:
            return False
    return True


def describe_growth(growth):
    why = " (step sized for {} of writing)".format(growth.sized_by) if growth.sized_by else ""
    return "{} {} -> {}{}".format(growth.part, format_bytes(growth.old_bytes), format_bytes(growth.new_bytes), why)
