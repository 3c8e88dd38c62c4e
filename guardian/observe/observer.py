"""The Observer: one snapshot of the live host from host/ reads and observe/'s parsers.

Every read that fails becomes one problem line naming what failed, so the snapshot still shows
what could be read. The reads themselves live in host/kernel.py (the kernel, sysfs, the loop
files) and host/docker_api.py (Docker, through the same client code the actions use).
"""
import os
import time

from guardian.errors import GuardianError, SourceUnavailable
from guardian.host import kernel, system
from guardian.host.docker_api import DockerCallError, DockerApi
from guardian.observe.dmsetup import ThinPoolTable, parse_status, parse_table
from guardian.observe.docker_info import parse_docker_info_api
from guardian.observe.mountinfo import mount_of_device, parse_mountinfo
from guardian.observe.snapshot import BackingFilesystem, SparseFile, compose_snapshot


def read_kernel(host):
    """The thin-pools' parsed status and table lines."""
    status, table = kernel.pool_lines(host)
    return parse_status(status), parse_table(table)


def read_docker(docker):
    """Docker's /info through a DockerApi; slow, absent or garbage answers are one line."""
    try:
        return parse_docker_info_api(docker.read("info"))
    except DockerCallError as exc:
        raise SourceUnavailable(str(exc))
    except GuardianError as exc:
        raise SourceUnavailable("docker: {}".format(exc))
    except ValueError as exc:
        raise SourceUnavailable("docker: answer from {} is not JSON: {}".format(docker.docker_host, exc))
    except (TypeError, AttributeError, KeyError) as exc:
        raise SourceUnavailable("docker: answer from {} is not a docker info: {}".format(
            docker.docker_host, exc))


def read_backing(data_path, metadata_path):
    """The filesystem holding the loop files, and how sparse each file is."""
    def sparse(path):
        return SparseFile(path, *kernel.file_space(path)) if path else None
    directory = os.path.dirname(data_path)
    try:
        total, free = kernel.filesystem_space(directory)
        return BackingFilesystem(directory=directory, total_bytes=total, free_bytes=free,
                                 data_file=sparse(data_path), metadata_file=sparse(metadata_path))
    except OSError as exc:
        raise SourceUnavailable("backing filesystem: {}: {}".format(
            exc.filename or data_path, exc.strerror))


def read_backing_by_device(loop_dev, data_path, mountinfo=None):
    """The filesystem under the loop files when their path is not one here: dockerd under
    MountFlags=slave opens them through a bind mount of its own, which sysfs names from its root
    ('/devicemapper/devicemapper/data'); while dockerd is down nothing says where that is. The
    kernel still says which filesystem holds the file, and this namespace mounts it: its space is
    what the watch needs. Which file, and how sparse, stays unknown (grow refuses until it is)."""
    try:
        device = kernel.loop_backing_device(loop_dev)
        mounts = parse_mountinfo(system.own_mountinfo() if mountinfo is None else mountinfo)
    except (OSError, GuardianError) as exc:
        raise SourceUnavailable("backing filesystem: {}: {}".format(data_path, exc))
    mount = mount_of_device(mounts, device)
    if mount is None:
        raise SourceUnavailable("backing filesystem: {} is on {}, which this mount namespace does not mount".format(
            data_path, device))
    try:
        total, free = kernel.filesystem_space(mount.mount_point)
    except OSError as exc:
        raise SourceUnavailable("backing filesystem: {}: {}".format(mount.mount_point, exc.strerror))
    return BackingFilesystem(directory=mount.mount_point, total_bytes=total, free_bytes=free,
                             data_file=None, metadata_file=None)


class Observer:
    """Reads the live host. The kernel is read every time (cheap ioctls); Docker's /info is
    expensive on devicemapper, so it is kept and refreshed only when asked or when stale."""

    def __init__(self, host, settings, with_docker=True, clock=time.monotonic):
        self.host = host
        self.settings = settings
        self.with_docker = with_docker
        self.clock = clock
        self._docker = None            # (DockerInfo or None, problem or None, read_at)
        self._api = DockerApi(settings)     # reads only

    def snapshot(self, refresh_docker=False, kernel_only=False, ask_docker=True):
        """A full snapshot (or the kernel's view alone); whatever fails becomes a problem line.
        ask_docker=False: Docker's last answer as it was, never a new question (a rung is waiting
        on a busy dockerd: the kernel is read, Docker's floor and problems stay as last told)."""
        problems = []
        statuses, tables = None, []
        try:
            statuses, tables = read_kernel(self.host)
        except SourceUnavailable as exc:
            problems.append(str(exc))
        docker_info, docker_problem = (None, None) if kernel_only else self._docker_info(refresh_docker, ask_docker)
        if docker_problem:
            problems.append(docker_problem)
        if docker_info is not None and docker_info.storage_driver not in (None, "devicemapper"):
            problems.append("docker: storage driver is {}, not devicemapper".format(
                docker_info.storage_driver))
        snapshot = compose_snapshot(statuses, tables, docker_info, override=self.settings.pool.name,
                                    device_names=_devices_of(tables), problems=problems)
        return _with_backing(snapshot, docker_info)

    def _docker_info(self, refresh, ask=True):
        if not self.with_docker:
            return None, None
        if not ask:
            return self._docker[:2] if self._docker is not None else (None, None)
        stale = self._docker is None or (
            self.clock() - self._docker[2] >= self.settings.schedule.docker_info_interval)
        if refresh or stale:
            try:
                self._docker = (read_docker(self._api), None, self.clock())
            except SourceUnavailable as exc:
                self._docker = (None, str(exc), self.clock())
        return self._docker[0], self._docker[1]


def observe(host, settings, with_docker=True):
    """One snapshot of the live host, for one-shot commands."""
    return Observer(host, settings, with_docker).snapshot(refresh_docker=True)


def _devices_of(tables):
    devs = set()
    for table in tables:
        if isinstance(table, ThinPoolTable):
            devs.update((table.data_dev, table.metadata_dev))
    return {dev: kernel.block_device_name(dev) for dev in devs}


def _with_backing(snapshot, docker_info):
    """Add the backing filesystem to the watched pool when it is loop-lvm."""
    pool = snapshot.pool
    if pool is None or pool.kind != "loop-lvm":
        return snapshot
    data_path = (docker_info and docker_info.data_loop_file) or (
        pool.table and kernel.loop_backing_file(pool.table.data_dev))
    meta_path = (docker_info and docker_info.metadata_loop_file) or (
        pool.table and kernel.loop_backing_file(pool.table.metadata_dev))
    if not data_path:
        return snapshot._replace(problems=snapshot.problems + (
            "backing filesystem: cannot tell which file backs the data loop device",))
    try:
        backing = read_backing(data_path, meta_path)
    except SourceUnavailable as exc:
        backing = _found_by_device(pool, data_path)
        if backing is None:
            return snapshot._replace(problems=snapshot.problems + (str(exc),))
    pools = tuple(p._replace(backing=backing) if p.watched else p for p in snapshot.pools)
    return snapshot._replace(pools=pools)


def _found_by_device(pool, data_path):
    """read_backing_by_device, or None: the path's own problem is the one to tell."""
    if pool.table is None:
        return None
    try:
        return read_backing_by_device(pool.table.data_dev, data_path)
    except SourceUnavailable:
        return None
