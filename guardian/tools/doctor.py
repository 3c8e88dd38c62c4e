"""The doctor's facts: read from the live host (host/ reads, observe/ parsers) or taken from the
captures diagnose has, then judged by decide/doctor.py.

Every read that fails becomes an Unread with its reason, so its check says UNKNOWN and why. Docker's
storage options come from the running dockerd's command line and daemon.json; with no dockerd
running, from daemon.json and /etc/sysconfig/docker-storage (what its next start reads on RHEL).
"""
import os

from guardian.act.grow_lvm import lv_of, read_pool_lv
from guardian.decide.doctor import (DOCKER_DEFAULT_FLOOR_PERCENT, DRIVER, FAIL, Deferred, Facts, Floor, Lvm, Options,
                                    ThinCheck, Unread, floor_check)
from guardian.decide.metadata import use_of
from guardian.errors import GuardianError
from guardian.host import system
from guardian.observe.docker_options import (DAEMON_JSON, DOCKER_STORAGE, NONE, options_from_argv,
                                             options_from_daemon_json, options_from_sysconfig)
from guardian.observe.lvm_report import config_integer, config_value
from guardian.observe.mountinfo import mount_of, parse_mountinfo
from guardian.tools.orphans import orphan_survey

THIN_CHECK = "thin_check"
LOOPBACK = "loopback devices is strongly discouraged"
NO_SPACE_TIMEOUT = "/sys/module/dm_thin_pool/parameters/no_space_timeout"
# The checks diagnose can run on `docker info` and dmsetup captures.
CAPTURE_CHECKS = ("docker_floor", "deferred_removal", "loop_lvm", "udev_sync", "no_space_mode", "metadata_headroom")


def live_facts(snapshot, settings, host, daemon=False):
    """The facts of this host, its pool as the snapshot shows it. The daemon reads the pool's
    devices (orphans) only in enforce mode: observe and dry-run change nothing on the pool; an
    operator's `doctor` reads them unless it is a dry run."""
    pool = snapshot.pool
    kind = _kind(snapshot)
    options = read_options_or_unread()
    backing = Unread("the loop files were not found") if pool is None or pool.backing is None else \
        _reading(lambda: backing_fstype(pool.backing.directory), "the loop files' filesystem")
    return capture_facts(snapshot, settings, options)._replace(
        kernel=os.uname().release,
        may_detach_mounts=_reading(lambda: _integer(system.sysctl("fs.may_detach_mounts")),
                                   "/proc/sys/fs/may_detach_mounts"),
        thin_check=_reading(lambda: read_thin_check(host, kind), THIN_CHECK),
        backing_fs=backing,
        lvm=_reading(lambda: read_lvm(host, pool), "LVM") if kind == "direct-lvm" else None,
        no_space_timeout=_reading(lambda: _integer(system.module_parameter("dm_thin_pool", "no_space_timeout")),
                                  NO_SPACE_TIMEOUT),
        orphans=_reading(lambda: orphan_survey(snapshot, host, _why_not_survey(settings, host, daemon)),
                         "the pool's devices against Docker's"))


def _why_not_survey(settings, host, daemon):
    if host.dry_run:
        return "in dry-run mode"
    if daemon and settings.mode != "enforce":
        return "the daemon in {} mode (`pool-guardian doctor` reads them)".format(settings.mode)
    return None


NOT_CAPTURED = Unread("not in the captures")      # a fact no capture holds (live_facts reads it)


def capture_facts(snapshot, settings, options=NOT_CAPTURED):
    """The facts a snapshot holds (docker info, dmsetup status and table), live or captured."""
    pool, docker = snapshot.pool, snapshot.docker
    missing = Unread("docker info: " + _docker_problem(snapshot))
    kind = _kind(snapshot)
    warning = next((w for w in (docker.warnings if docker else ()) if LOOPBACK in w), None)
    udev = missing if docker is None or docker.udev_sync_supported is None else docker.udev_sync_supported
    grow = settings.ladder.grow
    return Facts(data_high=settings.watermarks.data.high, grow_enabled=grow.enabled,
                 floor=docker_floor(docker, options, missing), kind=kind, loop_warning=warning,
                 deferred=deferred(docker, options, missing), options=options, udev_sync=udev,
                 no_space_policy=no_space_policy(pool), no_space_timeout=NOT_CAPTURED, metadata=metadata_use(pool),
                 kernel=docker.kernel_version if docker else None,
                 metadata_high=settings.watermarks.metadata.high, grow_metadata=grow.enabled and grow.metadata)


def metadata_use(pool):
    """The status counts the metadata projection needs, in the kernel's figures or Docker's."""
    if pool is None:
        return Unread("no pool")
    use = use_of(pool.status, pool.figures)
    if use is None:
        return Unread("{} gives no used/total counts ({})".format(pool.figures, pool.status.failed or "none printed"))
    return use


def docker_floor(docker, options, missing):
    """Docker's floor as docker info prints it (bytes of its data total), else from its options."""
    if docker is not None and docker.min_free_bytes is not None and docker.data_total_bytes:
        return Floor(round(100.0 * docker.min_free_bytes / docker.data_total_bytes),
                     "docker info Thin Pool Minimum Free Space")
    if isinstance(options, Unread):
        return Unread("{}; {}".format(missing.why, options.why))
    floor = floor_from_options(options)
    return floor if floor is not None else Unread("{}; Docker's options do not say devicemapper ({})".format(
        missing.why, options.source))


def floor_from_options(options):
    """dm.min_free_space from Docker's options, or its 10% default when they show devicemapper;
    None when they do not (another driver, or nothing set anywhere)."""
    value = options.values.get("dm.min_free_space")
    if value is not None:
        try:
            return Floor(float(value.rstrip("%")), "dm.min_free_space={} ({})".format(value, options.source))
        except ValueError:
            return None
    if any(key.startswith("dm.") for key in options.values) or options.values.get(DRIVER) == "devicemapper":
        return Floor(DOCKER_DEFAULT_FLOOR_PERCENT, "Docker's default: dm.min_free_space not set ({})".format(
            options.source))
    return None


def deferred(docker, options, missing):
    if docker is not None and (docker.deferred_removal is not None or docker.deferred_deletion is not None):
        return Deferred(docker.deferred_removal, docker.deferred_deletion, "docker info", docker.storage_driver)
    if isinstance(options, Unread):
        return Unread("{}; {}".format(missing.why, options.why))
    return Deferred(*(options.values.get("dm.use_deferred_" + what, "false") == "true"
                      for what in ("removal", "deletion")), source=options.source,
                    driver=options.values.get(DRIVER))


def no_space_policy(pool):
    """The kernel's status word; else the table's features (error_if_no_space, or queueing)."""
    if pool is None:
        return Unread("no pool")
    if pool.status.no_space_policy:
        return pool.status.no_space_policy
    if pool.table is not None:
        return "error_if_no_space" if "error_if_no_space" in pool.table.features else "queue_if_no_space"
    return Unread("neither dmsetup status nor dmsetup table says it")


def read_docker_options(proc=system.PROC):
    """Options as the running dockerd has them, else as its next start would."""
    daemon = system.docker_daemon_argv(proc)
    options, sources = NONE, []
    if daemon is not None:
        options, sources = options_from_argv(daemon[1]), ["dockerd command line (pid {})".format(daemon[0])]
    readers = ((DAEMON_JSON, options_from_daemon_json),) + (
        () if daemon is not None else ((DOCKER_STORAGE, options_from_sysconfig),))
    for path, parse in readers:
        text = system.config_file(path)
        if text is None:
            sources.append(path + " absent")
        else:
            options = options.merged(parse(text, path))
            sources.append(path)
    if daemon is None:
        sources.insert(0, "no dockerd running")
    return Options(dict(options.values, **({DRIVER: options.driver} if options.driver else {})),
                   ", ".join(sources))


def read_options_or_unread():
    return _reading(read_docker_options, "Docker's storage options")


def read_thin_check(host, kind):
    """The thin_check LVM runs (lvm.conf global/thin_check_executable on direct-lvm) and its version."""
    executable, source = THIN_CHECK, "PATH"
    if kind == "direct-lvm":
        value = config_value(system.lvm_config(host, "global/thin_check_executable"), "thin_check_executable")
        if value is not None:
            executable, source = value.strip('"'), "lvm.conf global/thin_check_executable"
    if executable == "":
        return ThinCheck("", None, source)
    return ThinCheck(executable, system.tool_version(host, executable), source)


def backing_fstype(directory, mountinfo=None):
    """(fstype, mount point) of the filesystem holding directory."""
    mounts = parse_mountinfo(system.own_mountinfo() if mountinfo is None else mountinfo)
    mount = mount_of(mounts, os.path.realpath(directory))
    if mount is None:
        raise GuardianError("no mount holds {}".format(directory))
    return mount.fstype, mount.mount_point


def read_lvm(host, pool):
    lv = lv_of(pool)
    if lv is None:
        raise GuardianError("cannot tell which LVM volume is the pool")
    vg, auto = read_pool_lv(host, lv)
    percent = config_integer(system.lvm_config(host, "activation/thin_pool_autoextend_percent", auto.profile),
                             "thin_pool_autoextend_percent")
    return Lvm(lv, auto.monitored, auto.threshold, percent, vg.free, pool.data_total_bytes or 0)


def config_floor_problem(settings, options):
    """check-config's refusal: the data high mark at or above Docker's floor, when Docker's options
    (files and /proc only, never Docker itself) show it; None otherwise."""
    if isinstance(options, Unread):
        return None
    floor = floor_from_options(options)
    if floor is None:
        return None
    finding = floor_check(settings.watermarks.data.high, floor)
    if finding.status != FAIL:
        return None
    return "watermarks.data.high: {}: {}; {}".format(finding.seen, finding.meaning, finding.change)


def _kind(snapshot):
    if snapshot.pool is not None:
        return snapshot.pool.kind
    return Unread("no pool is watched ({})".format(next(iter(snapshot.problems), "none found")))


def _docker_problem(snapshot):
    if snapshot.docker is not None:
        return "does not print it (an older Docker)"
    return next((p for p in snapshot.problems if p.startswith("docker")), "not read")


def _integer(text):
    return None if text is None else int(text)


def _reading(read, what):
    """read(), or an Unread naming what could not be read and why."""
    try:
        return read()
    except OSError as exc:
        return Unread("{}: {}".format(exc.filename or what, exc.strerror))
    except (GuardianError, ValueError) as exc:
        return Unread("{}: {}".format(what, exc))
