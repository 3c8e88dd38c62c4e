"""Read the live host: dmsetup through the runner, Docker through its API, the loop files' filesystem.

Each reader returns parsed values or raises SourceUnavailable with one line naming what failed;
`observe` collects those lines so the snapshot still shows what could be read.
"""
import os
import time

from guardian.errors import CommandError, GuardianError, SourceUnavailable
from guardian.host import devmapper
from guardian.host.devmapper import DevmapperError
from guardian.host.devices import major_minor
from guardian.observe.dmsetup import ThinPoolTable, parse_status, parse_table
from guardian.observe.docker_info import parse_docker_info_api
from guardian.observe.snapshot import BackingFilesystem, SparseFile, compose_snapshot

SYS_DEV_BLOCK = "/sys/dev/block"
SYS_BLOCK = "/sys/block"
SYS_CLASS_BLOCK = "/sys/class/block"      # partitions too
DEV_MAPPER = "/dev/mapper"


def read_kernel(runner, pool_devices=None):
    """Thin-pool status and table lines: by ioctl through libdevmapper, else from dmsetup."""
    try:
        return read_kernel_by_ioctl(pool_devices)
    except DevmapperError:
        pass
    try:
        status = runner.run(["dmsetup", "status", "--noflush", "--target", "thin-pool"]).stdout
        table = runner.run(["dmsetup", "table", "--target", "thin-pool"]).stdout
    except CommandError as exc:
        raise SourceUnavailable("kernel: {}".format(exc))
    return parse_status(status), parse_table(table)


def read_kernel_by_ioctl(pool_devices=None):
    """The same lines `dmsetup status --noflush`/`table --target thin-pool` print, with no process
    per call (see devmapper.target_lines for why no flush).
    pool_devices (PoolDevices): skip the devices known not to be pools."""
    status, table = [], []
    devices = devmapper.device_list()
    to_ask = pool_devices.to_ask(devices) if pool_devices else devices
    for name, dev in to_ask:
        lines = devmapper.target_lines(name)
        is_pool = any(" thin-pool " in line for line in lines)
        if pool_devices:
            pool_devices.learn(name, dev, is_pool)
        if is_pool:
            status.extend(lines)
            table.extend(devmapper.target_lines(name, table=True))
    return parse_status("\n".join(status) or "No devices found"), parse_table("\n".join(table) or "No devices found")


class PoolDevices:
    """Which device-mapper devices are not thin-pools, remembered between the daemon's looks: a
    Docker host has a thin device per running container, and asking each one costs (50 ms a
    look with 200 thin devices in the test bed, bench/observe_cost.py). A device is asked when it
    appears (a name with a device number not seen before) and again once its answer is
    RECHECK_SECONDS old, so a table reloaded into a thin-pool under a device that was something
    else is seen that much later; pools are asked at every look."""

    RECHECK_SECONDS = 10.0

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._not_pools = {}      # (name, dev) -> when its table was last seen without a thin-pool

    def to_ask(self, devices):
        """The (name, dev) pairs of this listing to read; forgets those no longer listed."""
        now, listed = self.clock(), set(devices)
        self._not_pools = {k: t for k, t in self._not_pools.items() if k in listed}
        return [d for d in devices if now - self._not_pools.get(d, -float("inf")) >= self.RECHECK_SECONDS]

    def learn(self, name, dev, is_pool):
        if is_pool:
            self._not_pools.pop((name, dev), None)
        else:
            self._not_pools[(name, dev)] = self.clock()


def read_docker(docker_host, timeout):
    """Docker's /info through the Engine API; slow, absent or garbage answers are one line."""
    import docker          # imported here: a slow import the kernel-only paths do not need
    import requests
    from guardian.host.docker_api import DockerTimeout, before_deadline

    def ask():
        client = docker.APIClient(base_url=docker_host, timeout=timeout, version="auto")
        try:
            return client.info()
        finally:
            client.close()
    try:
        return parse_docker_info_api(before_deadline(ask, timeout, docker_host))
    except DockerTimeout as exc:
        raise SourceUnavailable(str(exc))
    except requests.exceptions.Timeout:
        raise SourceUnavailable("docker: no answer from {} within {:g} s".format(docker_host, timeout))
    except (requests.exceptions.ConnectionError, docker.errors.DockerException) as exc:
        raise SourceUnavailable("docker: cannot reach {}: {}".format(docker_host, _reason(exc)))
    except GuardianError as exc:
        raise SourceUnavailable("docker: {}".format(exc))
    except ValueError as exc:
        raise SourceUnavailable("docker: answer from {} is not JSON: {}".format(docker_host, exc))
    except (TypeError, AttributeError, KeyError) as exc:
        raise SourceUnavailable("docker: answer from {} is not a docker info: {}".format(docker_host, exc))


def _reason(exc):
    """The innermost OS error (no such file, permission denied...): what an operator can act on."""
    pending, seen = [exc], set()
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            return current.strerror
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        pending.extend(a for a in current.args if isinstance(a, BaseException))
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def device_name(dev):
    """'7:0' -> 'loop0', '253:3' -> the dm name (from sysfs); '' when unknown."""
    base = os.path.join(SYS_DEV_BLOCK, dev)
    dm_name = _read_text(os.path.join(base, "dm", "name"))
    if dm_name:
        return dm_name
    try:
        return os.path.basename(os.path.realpath(base)) if os.path.exists(base) else ""
    except OSError:
        return ""


def kernel_name_of(device, sys_dev_block=SYS_DEV_BLOCK):
    """'dm-0' for the block device '253:0' (its sysfs link ends in that name); None when sysfs
    does not know it."""
    try:
        return os.path.basename(os.readlink(os.path.join(sys_dev_block, device)))
    except OSError:
        return None


def kernel_name(dm_name, sys_block=SYS_BLOCK, dev_mapper=DEV_MAPPER, sys_dev_block=SYS_DEV_BLOCK):
    """'dm-3' for a device-mapper name, or None: through /dev/mapper/NAME's device number where
    udev made the node (and sysfs agrees on the name), else by reading every dm/name (a Docker
    host has a thin device per container and image layer)."""
    try:
        number = os.stat(os.path.join(dev_mapper, dm_name)).st_rdev
        entry = kernel_name_of(major_minor(number), sys_dev_block)
    except OSError:
        entry = None
    if entry is not None and _dm_name_is(sys_block, entry, dm_name):
        return entry
    return next((e for e in os.listdir(sys_block) if _dm_name_is(sys_block, e, dm_name)), None)


def _dm_name_is(sys_block, entry, dm_name):
    try:
        with open(os.path.join(sys_block, entry, "dm", "name")) as handle:
            return handle.read().strip() == dm_name
    except OSError:
        return False


def loop_backing_file(dev):
    """The file behind a loop device, from sysfs ('' if it is not a loop device)."""
    return _read_text(os.path.join(SYS_DEV_BLOCK, dev, "loop", "backing_file"))


def _read_text(path):
    try:
        with open(path) as handle:
            return handle.read().strip()
    except OSError:
        return ""


def read_sparse_file(path):
    if not path:
        return None
    st = os.stat(path)
    return SparseFile(path, st.st_size, st.st_blocks * 512)


def read_backing(data_path, metadata_path):
    """The filesystem holding the loop files, and how sparse each file is."""
    try:
        fs = os.statvfs(os.path.dirname(data_path))
        return BackingFilesystem(
            directory=os.path.dirname(data_path),
            total_bytes=fs.f_blocks * fs.f_frsize, free_bytes=fs.f_bavail * fs.f_frsize,
            data_file=read_sparse_file(data_path), metadata_file=read_sparse_file(metadata_path))
    except OSError as exc:
        raise SourceUnavailable("backing filesystem: {}: {}".format(
            exc.filename or data_path, exc.strerror))


class Observer:
    """Reads the live host. The kernel is read every time (cheap ioctls); Docker's /info is
    expensive on devicemapper, so it is kept and refreshed only when asked or when stale."""

    def __init__(self, runner, settings, with_docker=True, clock=time.monotonic):
        self.runner = runner
        self.settings = settings
        self.with_docker = with_docker
        self.clock = clock
        self._docker = None            # (DockerInfo or None, problem or None, read_at)
        self._pool_devices = PoolDevices(clock)

    def snapshot(self, refresh_docker=False, kernel_only=False):
        """A full snapshot (or the kernel's view alone); whatever fails becomes a problem line."""
        problems = []
        statuses, tables = None, []
        try:
            statuses, tables = read_kernel(self.runner, self._pool_devices)
        except SourceUnavailable as exc:
            problems.append(str(exc))
        docker_info, docker_problem = (None, None) if kernel_only else self._docker_info(refresh_docker)
        if docker_problem:
            problems.append(docker_problem)
        if docker_info is not None and docker_info.storage_driver not in (None, "devicemapper"):
            problems.append("docker: storage driver is {}, not devicemapper".format(
                docker_info.storage_driver))
        snapshot = compose_snapshot(statuses, tables, docker_info, override=self.settings.pool.name,
                                    device_names=_devices_of(tables), problems=problems)
        return _with_backing(snapshot, docker_info)

    def _docker_info(self, refresh):
        if not self.with_docker:
            return None, None
        stale = self._docker is None or (
            self.clock() - self._docker[2] >= self.settings.schedule.docker_info_interval)
        if refresh or stale:
            try:
                self._docker = (read_docker(self.settings.pool.docker_host,
                                            self.settings.pool.docker_timeout), None, self.clock())
            except SourceUnavailable as exc:
                self._docker = (None, str(exc), self.clock())
        return self._docker[0], self._docker[1]


def observe(runner, settings, with_docker=True):
    """One snapshot of the live host, for one-shot commands."""
    return Observer(runner, settings, with_docker).snapshot(refresh_docker=True)


def _devices_of(tables):
    devs = set()
    for table in tables:
        if isinstance(table, ThinPoolTable):
            devs.update((table.data_dev, table.metadata_dev))
    return {dev: device_name(dev) for dev in devs}


def _with_backing(snapshot, docker_info):
    """Add the backing filesystem to the watched pool when it is loop-lvm."""
    pool = snapshot.pool
    if pool is None or pool.kind != "loop-lvm":
        return snapshot
    data_path = (docker_info and docker_info.data_loop_file) or (
        pool.table and loop_backing_file(pool.table.data_dev))
    meta_path = (docker_info and docker_info.metadata_loop_file) or (
        pool.table and loop_backing_file(pool.table.metadata_dev))
    if not data_path:
        return snapshot._replace(problems=snapshot.problems + (
            "backing filesystem: cannot tell which file backs the data loop device",))
    try:
        backing = read_backing(data_path, meta_path)
    except SourceUnavailable as exc:
        return snapshot._replace(problems=snapshot.problems + (str(exc),))
    pools = tuple(p._replace(backing=backing) if p.watched else p for p in snapshot.pools)
    return snapshot._replace(pools=pools)
