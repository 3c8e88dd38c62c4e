"""The doctor's checks: settings that turn a full pool into an outage, found before it does. Pure.

Each check takes plain facts, read elsewhere (tools/doctor.py on a live host, diagnose from
captures), and returns one Finding: its name, PASS / WARN / FAIL (UNKNOWN when a fact could not be
read, SKIP when the check does not apply to this pool), the number it saw, what that means and the
change to make. A fact that could not be read is an Unread with the reason, never a default: a
check never passes on what it did not see. More checks (orphan devices) are more functions here and
more entries in examine().
"""
from collections import OrderedDict
from typing import NamedTuple, Optional

from guardian.decide.metadata import MIN_DATA_PERCENT, keeps_reserve, project
from guardian.decide.orphans import Skipped, one_line
from guardian.observe.snapshot import METADATA_BLOCK_BYTES
from guardian.units import format_bytes

PASS, WARN, FAIL, UNKNOWN, SKIP = "PASS", "WARN", "FAIL", "UNKNOWN", "SKIP"
# Worst first, as the one verdict ranks them: FAIL (2) beats UNKNOWN (3) beats WARN (1); the exit
# codes are the monitoring plugins' ones, as `check` exits.
RANK = {SKIP: 0, PASS: 0, WARN: 1, UNKNOWN: 2, FAIL: 3}
EXIT_CODE = {SKIP: 0, PASS: 0, WARN: 1, FAIL: 2, UNKNOWN: 3}
# Docker's dm.min_free_space default.
DOCKER_DEFAULT_FLOOR_PERCENT = 10
# XFS on Docker's thin devices is the default since Docker 1.13's dm.fs default.
XFS = "xfs"
DRIVER, DEVICEMAPPER = "storage-driver", "devicemapper"    # Options.values holds the driver under DRIVER
# Filesystems that punch holes (fallocate PUNCH_HOLE), so a discard through the loop device
# returns the space to them; ext2/ext3 cannot.
PUNCHES_HOLES = ("ext4", "xfs", "btrfs", "tmpfs", "f2fs", "ocfs2")
NO_HOLES = ("ext2", "ext3")
MIB = 1 << 20


class Unread(NamedTuple):
    """A fact that could not be read, and why."""
    why: str


class Finding(NamedTuple):
    check: str
    status: str         # PASS, WARN, FAIL, UNKNOWN, SKIP
    seen: str           # the number or value it saw, and where it read it
    meaning: str = ""   # what that means for the pool
    change: str = ""    # the change to make; empty when there is none


class Floor(NamedTuple):
    """Docker's dm.min_free_space, in percent of the pool's data, and where it was read."""
    percent: float
    source: str


class Options(NamedTuple):
    """Docker's dm.* storage options as the daemon gets them, and the sources read."""
    values: dict        # {'dm.xfs_nospace_max_retries': '0', ...}
    source: str


class Deferred(NamedTuple):
    removal: Optional[bool]
    deletion: Optional[bool]
    source: str
    driver: Optional[str] = None


class ThinCheck(NamedTuple):
    executable: str             # what LVM runs (lvm.conf global/thin_check_executable) or thin_check
    version: Optional[str]      # None: not installed
    source: str


class Lvm(NamedTuple):
    """What LVM says of a direct-lvm pool: dmeventd's watch, autoextend, the volume group's room."""
    lv: str
    monitored: bool
    threshold: Optional[int]    # thin_pool_autoextend_threshold, percent; 100 means off
    percent: Optional[int]      # thin_pool_autoextend_percent
    vg_free_bytes: int
    pool_bytes: int


class Facts(NamedTuple):
    """Everything examine() looks at; each is a value, None when the host has no such thing, or
    an Unread."""
    data_high: float                        # watermarks.data.high, percent
    grow_enabled: bool                      # ladder.grow.enabled: pool-guardian grows the pool
    floor: object = Unread("not read")      # Floor
    kind: object = Unread("not read")       # 'loop-lvm', 'direct-lvm', 'unknown'
    loop_warning: Optional[str] = None      # Docker's own loopback WARNING line
    may_detach_mounts: object = Unread("not read")   # int; None: the sysctl does not exist
    deferred: object = Unread("not read")   # Deferred
    options: object = Unread("not read")    # Options
    udev_sync: object = Unread("not read")  # bool
    thin_check: object = Unread("not read")  # ThinCheck
    backing_fs: object = Unread("not read")  # (fstype, mount point)
    lvm: object = Unread("not read")        # Lvm
    no_space_policy: object = Unread("not read")     # 'queue_if_no_space' or 'error_if_no_space'
    no_space_timeout: object = Unread("not read")    # seconds; None: no such parameter
    metadata: object = Unread("not read")   # decide/metadata.Use: the pool's status counts
    kernel: Optional[str] = None            # the kernel's release, when known (its metadata reserve)
    metadata_high: float = 70.0             # watermarks.metadata.high, percent (its default)
    grow_metadata: bool = False             # ladder.grow.enabled and ladder.grow.metadata
    orphans: object = Unread("not read")    # decide.orphans.Survey, or Skipped


def unknown(check, fact, what):
    """The finding for a fact that could not be read."""
    return Finding(check, UNKNOWN, "{} not read: {}".format(what, fact.why))


def worst(findings):
    """The worst status among the findings (PASS when there are none)."""
    return max((f.status for f in findings), key=RANK.get, default=PASS)


def exit_code(findings):
    return EXIT_CODE[worst(findings)]


def floor_check(data_high, floor):
    """Our data high mark against Docker's floor: at or above 100 - floor, Docker refuses pulls and
    new containers before the ladder starts."""
    name = "docker_floor"
    if isinstance(floor, Unread):
        return unknown(name, floor, "Docker's dm.min_free_space")
    limit = 100.0 - floor.percent
    seen = "data high mark {:g}%, Docker's floor {:g}% free ({}): Docker refuses at {:g}% used".format(
        data_high, floor.percent, floor.source, limit)
    if data_high >= limit:
        return Finding(name, FAIL, seen, "Docker refuses pulls and new containers before the ladder starts",
                       "set watermarks.data.high below {:g}% (with low and warning below it)".format(limit))
    return Finding(name, PASS, seen, "the ladder starts {:g} points before Docker refuses".format(limit - data_high))


def may_detach_mounts_check(value):
    return _zero_is_bad(
        "may_detach_mounts", value, "fs.may_detach_mounts",
        Finding("may_detach_mounts", SKIP, "fs.may_detach_mounts does not exist on this kernel",
                "only RHEL 7.4+ kernels have it; others detach busy mounts anyway"),
        "fs.may_detach_mounts = {} (/proc/sys/fs/may_detach_mounts)",
        ("`docker rm` fails 'device or resource busy' whenever another mount namespace holds the "
         "container's mount, and its space stays used",
         "sysctl -w fs.may_detach_mounts=1, and set it in /etc/sysctl.d/ to keep it"),
        "busy mounts are detached on removal")


def deferred_check(deferred):
    name = "deferred_removal"
    if isinstance(deferred, Unread):
        return unknown(name, deferred, "Docker's deferred removal and deletion")
    if deferred.driver not in (None, DEVICEMAPPER):
        return Finding(name, SKIP, "storage driver {} ({})".format(deferred.driver, deferred.source))
    seen = "deferred removal {}, deferred deletion {} ({})".format(
        _word(deferred.removal), _word(deferred.deletion), deferred.source)
    if deferred.removal and deferred.deletion:
        return Finding(name, PASS, seen, "a busy device is removed and deleted later instead of failing")
    return Finding(name, WARN, seen, "removing a container whose device is busy fails, and its space "
                   "is not given back", "start dockerd with --storage-opt dm.use_deferred_removal=true "
                   "--storage-opt dm.use_deferred_deletion=true")


def xfs_retries_check(options):
    name = "xfs_nospace_max_retries"
    if isinstance(options, Unread):
        return unknown(name, options, "Docker's storage options")
    driver = options.values.get(DRIVER)
    if driver and driver != DEVICEMAPPER:
        return Finding(name, SKIP, "storage driver {} ({})".format(driver, options.source))
    fs = options.values.get("dm.fs", XFS)
    if fs != XFS:
        return Finding(name, SKIP, "dm.fs={} ({})".format(fs, options.source), "the option is for XFS only")
    value = options.values.get("dm.xfs_nospace_max_retries")
    if value is None:
        return Finding(name, WARN, "dm.xfs_nospace_max_retries not set ({})".format(options.source),
                       "on a full pool XFS retries its writes forever and processes hang unkillable",
                       "start dockerd with --storage-opt dm.xfs_nospace_max_retries=0")
    return Finding(name, PASS, "dm.xfs_nospace_max_retries={} ({})".format(value, options.source),
                   "XFS gives up on a full pool instead of hanging")


def loop_lvm_check(kind, loop_warning):
    name = "loop_lvm"
    if kind == "loop-lvm" or loop_warning:
        return Finding(name, WARN, loop_warning or "the pool's data device is a loop device",
                       "loop-lvm is slow, and the pool can outgrow the filesystem under its files "
                       "(Docker's own warning: not for production)",
                       "move Docker to a direct-lvm thin pool (dm.thinpooldev)")
    if isinstance(kind, Unread):
        return unknown(name, kind, "the pool's kind")
    if kind == "direct-lvm":
        return Finding(name, PASS, "direct-lvm pool")
    return Finding(name, UNKNOWN, "the pool's data device is neither a loop device nor an LVM volume",
                   "")


def udev_sync_check(udev_sync):
    name = "udev_sync"
    if isinstance(udev_sync, Unread):
        return unknown(name, udev_sync, "Docker's Udev Sync Supported")
    seen = "Udev Sync Supported: {} (docker info)".format(_word(udev_sync))
    if udev_sync is False:
        return Finding(name, FAIL, seen, "Docker and udev race on device nodes: failed removals, lost "
                       "devices, data corruption", "run a dynamically linked dockerd (the distribution's "
                       "package), not a static binary")
    return Finding(name, PASS, seen)


def thin_check_check(thin_check, kind):
    name = "thin_check"
    if isinstance(thin_check, Unread):
        return unknown(name, thin_check, "thin_check")
    if thin_check.executable == "":
        return Finding(name, WARN, "lvm.conf global/thin_check_executable is empty ({})".format(thin_check.source),
                       "LVM activates the pool without checking its metadata",
                       "set global/thin_check_executable to /usr/sbin/thin_check")
    if thin_check.version is None:
        seen = "{} is not installed ({})".format(thin_check.executable, thin_check.source)
        fix = "yum install device-mapper-persistent-data"
        if kind == "direct-lvm":
            return Finding(name, FAIL, seen, "LVM will not activate the pool at boot, so Docker does not "
                           "start", fix)
        return Finding(name, WARN, seen, "a damaged pool's metadata cannot be checked or repaired", fix)
    return Finding(name, PASS, "{} {} ({})".format(thin_check.executable, thin_check.version, thin_check.source))


def hole_punch_check(kind, backing_fs):
    name = "hole_punching"
    gated = _gate(name, kind, "loop-lvm", backing_fs, "the filesystem under the loop files")
    if gated:
        return gated
    fstype, mount_point = backing_fs
    seen = "loop files on {} ({})".format(fstype, mount_point)
    if fstype in NO_HOLES:
        return Finding(name, WARN, seen, "fstrim frees the pool but never gives the space back to the "
                       "filesystem, which fills", "move /var/lib/docker to ext4 or XFS")
    if fstype in PUNCHES_HOLES:
        return Finding(name, PASS, seen, "discards give the space back to the filesystem")
    return Finding(name, UNKNOWN, seen, "whether {} punches holes is not known here".format(fstype), "")


def lvm_monitoring_check(kind, lvm, grow_enabled):
    name = "lvm_monitoring"
    gated = _gate(name, kind, "direct-lvm", lvm, "LVM's view of the pool")
    if gated:
        return gated
    if lvm.monitored:
        return Finding(name, PASS, "dmeventd monitors {} (lvs seg_monitor)".format(lvm.lv))
    return _nothing_grows(name, "dmeventd does not monitor {} (lvs seg_monitor)".format(lvm.lv), grow_enabled,
                          "lvchange --monitor y {}".format(lvm.lv))


def autoextend_threshold_check(kind, lvm, grow_enabled):
    name = "lvm_autoextend_threshold"
    gated = _gate(name, kind, "direct-lvm", lvm, "LVM's view of the pool")
    if gated:
        return gated
    if lvm.threshold is None:
        return Finding(name, UNKNOWN, "`lvm config` gave no thin_pool_autoextend_threshold for {}".format(lvm.lv),
                       "")
    seen = "thin_pool_autoextend_threshold = {} (lvm config)".format(lvm.threshold)
    if lvm.threshold >= 100:
        return _nothing_grows(name, seen, grow_enabled, "set activation/thin_pool_autoextend_threshold "
                              "to 80 (lvm.conf or the pool's profile)")
    return Finding(name, PASS, seen, "LVM extends the pool from {}% used".format(lvm.threshold))


def autoextend_room_check(kind, lvm):
    """Autoextend with less free in the volume group than one step silently does nothing."""
    name = "lvm_autoextend_room"
    gated = _gate(name, kind, "direct-lvm", lvm, "LVM's view of the pool")
    if gated:
        return gated
    if not (lvm.monitored and lvm.threshold is not None and lvm.threshold < 100):
        return Finding(name, SKIP, "LVM does not autoextend {}".format(lvm.lv))
    if lvm.percent is None:
        return Finding(name, UNKNOWN, "`lvm config` gave no thin_pool_autoextend_percent", "")
    step = lvm.pool_bytes * lvm.percent // 100
    seen = "volume group free {}, one autoextend step {} ({}% of {})".format(
        format_bytes(lvm.vg_free_bytes), format_bytes(step), lvm.percent, format_bytes(lvm.pool_bytes))
    if lvm.vg_free_bytes < step:
        return Finding(name, FAIL, seen, "the next autoextend fails and the pool fills as if nothing "
                       "watched it", "vgextend the volume group (add a disk), or lower "
                       "thin_pool_autoextend_percent")
    return Finding(name, PASS, seen, "room for {} more step(s)".format(lvm.vg_free_bytes // step if step else 0))


def no_space_check(policy, timeout):
    """What the kernel does with writes when the pool's data is full."""
    name = "no_space_mode"
    if isinstance(policy, Unread):
        return unknown(name, policy, "the pool's no-space mode")
    if policy == "error_if_no_space":
        return Finding(name, WARN, "error_if_no_space (the pool's table)", "writes fail the moment data "
                       "is full: neither LVM nor pool-guardian has time to add room",
                       "lvchange --errorwhenfull n VG/POOL, so writes queue for no_space_timeout")
    return _zero_is_bad(
        name, timeout, "dm_thin_pool's no_space_timeout",
        Finding(name, PASS, "queue_if_no_space; this kernel has no no_space_timeout",
                "writes queue until the pool has room"),
        "queue_if_no_space, no_space_timeout {} s (/sys/module/dm_thin_pool/parameters)",
        ("on a full pool writes queue forever and processes hang unkillable until someone adds room",
         "echo 60 > /sys/module/dm_thin_pool/parameters/no_space_timeout (and options dm_thin_pool "
         "no_space_timeout=60 in /etc/modprobe.d/)"),
        "writes queue {} s for room, then fail".format(timeout))


def metadata_headroom_check(use, kind, kernel, metadata_high, grows):
    """The metadata the pool needs when its data is full (decide/metadata.py), against its device:
    installers leave metadata small, and a pool out of metadata turns read-only (on kernels without
    the metadata reserve, such as CentOS 7's, its transaction aborts and it needs an offline repair)."""
    name = "metadata_headroom"
    if isinstance(use, Unread):
        return unknown(name, use, "the pool's metadata and data use")
    reserve = keeps_reserve(use, kernel)
    projection = project(use, reserve)
    now = "metadata {} of {}, data {:.1f}% used ({})".format(
        _metadata_bytes(use.metadata_used), _metadata_bytes(use.metadata_total),
        100.0 * use.data_used / use.data_total if use.data_total else 0.0, use.source)
    if projection is None:
        return Finding(name, SKIP, "{}: too little data mapped to project (from {:g}%)".format(now, MIN_DATA_PERCENT))
    seen = "{}; {:.2f} metadata blocks per 100 data blocks{}: {} ({:.0f}%) needed when data is full".format(
        now, 100 * projection.per_block, "" if reserve else " (any kernel reserve counted as use)",
        _metadata_bytes(projection.needed), projection.needed_percent)
    if projection.runs_out_at is None:
        return Finding(name, PASS, seen, "metadata holds the pool's data when it is full")
    meaning = "metadata runs out at ~{:.0f}% data: the pool turns read-only, and on kernels without the " \
        "metadata reserve (CentOS 7) needs an offline repair".format(projection.runs_out_at)
    change = _metadata_change(kind, projection.size_for(metadata_high))
    if grows:
        return Finding(name, WARN, seen, meaning + "; pool-guardian grows metadata ahead of it "
                       "(ladder.grow.metadata), up to grow.max_metadata_size", change)
    return Finding(name, FAIL, seen, meaning, change + ", or enable ladder.grow (grow.metadata)")


def _metadata_change(kind, blocks):
    """How to give metadata room for a full pool, for this kind of pool."""
    mib = -(-blocks * METADATA_BLOCK_BYTES // MIB)
    if kind == "direct-lvm":
        return "lvextend --poolmetadatasize {}M VG/POOL (the pool's LV)".format(mib)
    if kind == "loop-lvm":
        return "grow the metadata file to {} MiB (pool-guardian grow --metadata)".format(mib)
    return "grow the pool's metadata device to {} MiB".format(mib)


def _metadata_bytes(blocks):
    return format_bytes(blocks * METADATA_BLOCK_BYTES)


def orphan_check(survey):
    """Thin devices the pool holds and Docker's metadata does not name (issue 31 section 4), and
    deferred-deleted ones something still holds."""
    name = "orphan_devices"
    if isinstance(survey, Unread):
        return unknown(name, survey, "the pool's thin devices against Docker's metadata")
    if isinstance(survey, Skipped):
        return Finding(name, SKIP, "not looked for: " + survey.why)
    if survey.orphans:
        return Finding(name, WARN, one_line(survey), "their blocks are lost to every container until they "
                       "are deleted (left by a crash or a failed removal); Docker never deletes them",
                       "pool-guardian doctor --reclaim")
    if survey.held:
        return Finding(name, WARN, one_line(survey), "Docker deletes them only once nothing holds them",
                       "stop or unmount what holds each (pool-guardian busy /dev/mapper/NAME shows who); Docker "
                       "then deletes it")
    return Finding(name, PASS, one_line(survey), "Docker's metadata names every device the pool holds")


def _zero_is_bad(name, value, what, absent, seen, bad, good):
    """A kernel setting where 0 is the trouble: UNKNOWN when unread, `absent` when the kernel has
    no such setting, WARN with bad's (meaning, change) at 0, else PASS; seen is formatted with it."""
    if isinstance(value, Unread):
        return unknown(name, value, what)
    if value is None:
        return absent
    if value == 0:
        return Finding(name, WARN, seen.format(value), *bad)
    return Finding(name, PASS, seen.format(value), good)


# name -> the check on the facts, in the order an operator reads them (issue 31 sections 1 to 3).
CHECKS = OrderedDict([
    ("docker_floor", lambda f: floor_check(f.data_high, f.floor)),
    ("may_detach_mounts", lambda f: may_detach_mounts_check(f.may_detach_mounts)),
    ("deferred_removal", lambda f: deferred_check(f.deferred)),
    ("xfs_nospace_max_retries", lambda f: xfs_retries_check(f.options)),
    ("loop_lvm", lambda f: loop_lvm_check(f.kind, f.loop_warning)),
    ("udev_sync", lambda f: udev_sync_check(f.udev_sync)),
    ("thin_check", lambda f: thin_check_check(f.thin_check, f.kind)),
    ("hole_punching", lambda f: hole_punch_check(f.kind, f.backing_fs)),
    ("lvm_monitoring", lambda f: lvm_monitoring_check(f.kind, f.lvm, f.grow_enabled)),
    ("lvm_autoextend_threshold", lambda f: autoextend_threshold_check(f.kind, f.lvm, f.grow_enabled)),
    ("lvm_autoextend_room", lambda f: autoextend_room_check(f.kind, f.lvm)),
    ("no_space_mode", lambda f: no_space_check(f.no_space_policy, f.no_space_timeout)),
    ("metadata_headroom", lambda f: metadata_headroom_check(f.metadata, f.kind, f.kernel, f.metadata_high,
                                                            f.grow_metadata)),
    ("orphan_devices", lambda f: orphan_check(f.orphans)),
])


def examine(facts, names=None):
    """The findings of every check (or of the named ones), in CHECKS' order."""
    return tuple(check(facts) for name, check in CHECKS.items() if names is None or name in names)


def _gate(name, kind, wanted, fact, what):
    """The finding before a check for one kind of pool looks at its fact: SKIP for a pool of another
    kind, UNKNOWN when the kind or the fact is not known; None to go on."""
    if isinstance(kind, Unread):
        return unknown(name, kind, "the pool's kind")
    if kind != wanted:
        return Finding(name, SKIP, "not a {} pool ({})".format(wanted, kind))
    if isinstance(fact, Unread):
        return unknown(name, fact, what)
    return None


def _nothing_grows(name, seen, grow_enabled, change):
    if grow_enabled:
        return Finding(name, PASS, seen, "pool-guardian grows the pool (ladder.grow.enabled)")
    return Finding(name, WARN, seen, "nothing grows the pool: LVM does not and ladder.grow is off",
                   change + ", or enable ladder.grow")


def _word(value):
    return "unknown" if value is None else ("true" if value else "false")


