"""Who still holds a mount: every mount namespace on the host, and the processes in it.

When `docker rm` fails with "device or resource busy", the container's thin device is still
mounted in some other mount namespace (a service with PrivateTmp, a container with
/var/lib/docker bind-mounted, an `unshare` started while the container ran). Processes are
grouped by namespace (readlink /proc/PID/ns/mnt) and ONE mountinfo is read per namespace:
reading one per process costs minutes on a host with thousands of processes.
"""
import os
import re
from typing import Callable, NamedTuple, Tuple

from guardian.errors import ParseError
from guardian.observe.mountinfo import Mount, parse_mountinfo

PROC = "/proc"
DOCKER_DAEMONS = ("dockerd", "dockerd-current", "docker")   # docker: the daemon before 1.12
_CONTAINER_ID = re.compile(r"(?:docker[-/]|/)([0-9a-f]{64})(?:\.scope)?(?:/|$)")


class Holder(NamedTuple):
    pid: int
    command: str
    container: str          # the container id from its cgroup, or "" for a host process


class Hold(NamedTuple):
    """One mount namespace that holds some of the mounts asked about."""
    namespace: str          # "mnt:[4026532198]"
    enter_pid: int          # a process in it, for nsenter --mount=/proc/PID/ns/mnt
    holders: Tuple[Holder, ...]
    mounts: Tuple[Mount, ...]
    docker_daemon: bool     # dockerd's own namespace: Docker unmounts there itself


def namespaces(proc=PROC):
    """{namespace: [pids]} for every user process (kernel threads have no executable, hold nothing)."""
    groups = {}
    for name in os.listdir(proc):
        if name.isdigit():
            try:
                os.readlink(os.path.join(proc, name, "exe"))
                groups.setdefault(os.readlink(os.path.join(proc, name, "ns", "mnt")), []).append(int(name))
            except OSError:
                continue        # a kernel thread, gone meanwhile, or one we may not look into
    for pids in groups.values():
        pids.sort()
    return groups


def read_mounts(pids, proc=PROC):
    """(pid, mounts) from the first of these processes whose mountinfo can still be read."""
    for pid in pids:
        try:
            with open(os.path.join(proc, str(pid), "mountinfo")) as handle:
                return pid, parse_mountinfo(handle.read(), "/proc/{}/mountinfo".format(pid))
        except (OSError, ParseError):
            continue
    return None, []


def holder(pid, proc=PROC):
    return Holder(pid, command_of(pid, proc), container_of(pid, proc))


def command_of(pid, proc=PROC):
    try:
        with open(os.path.join(proc, str(pid), "cmdline"), "rb") as handle:
            words = handle.read().split(b"\0")
        text = " ".join(w.decode("utf-8", "replace") for w in words if w)
        if text:
            return text[:120]
        with open(os.path.join(proc, str(pid), "comm")) as handle:
            return "[{}]".format(handle.read().strip())
    except OSError:
        return "?"


def container_of(pid, proc=PROC):
    """The Docker container a process runs in, from its cgroup path (cgroupfs or systemd driver)."""
    try:
        with open(os.path.join(proc, str(pid), "cgroup")) as handle:
            return container_in_cgroup(handle.read())
    except OSError:
        return ""


def container_in_cgroup(text):
    for line in text.splitlines():
        match = _CONTAINER_ID.search(line.split(":", 2)[-1])
        if match:
            return match.group(1)
    return ""


def is_docker_daemon(pid, proc=PROC):
    try:
        with open(os.path.join(proc, str(pid), "comm")) as handle:
            comm = handle.read().strip()
    except OSError:
        return False
    return comm in DOCKER_DAEMONS[:2] or (comm == "docker" and " daemon" in command_of(pid, proc))


def docker_daemon_pid(proc=PROC):
    """The running Docker daemon's pid, or None."""
    for name in sorted(os.listdir(proc), key=lambda n: (len(n), n)):
        if name.isdigit() and is_docker_daemon(int(name), proc):
            return int(name)
    return None


def find_holds(wanted, proc=PROC):
    # type: (Callable[[Mount], bool], str) -> list
    """Every namespace with a mount for which wanted(mount) is true, and who is in it."""
    holds = []
    daemon = docker_daemon_pid(proc)
    for namespace, pids in sorted(namespaces(proc).items()):
        enter_pid, mounts = read_mounts(pids, proc)
        matched = tuple(m for m in mounts if wanted(m))
        if matched:
            holds.append(Hold(namespace, enter_pid, tuple(holder(p, proc) for p in pids), matched,
                              daemon in pids))
    return holds


def container_mount_matcher(container_id, device_name, device_number=None):
    """The mounts of one container: its thin device (by name or major:minor), its
    devicemapper/mnt/<hash> mount point, and anything under containers/<id>/ (shm, secrets)."""
    mount_hash = device_name.rsplit("-", 1)[-1] if device_name else None
    source = "/dev/mapper/" + device_name if device_name else None

    def wanted(mount):
        if source and mount.source == source:
            return True
        if device_number and mount.device == device_number:
            return True
        if mount_hash and mount.mount_point.endswith("/devicemapper/mnt/" + mount_hash):
            return True
        return "/containers/{}/".format(container_id) in mount.mount_point + "/"
    return wanted


def device_number(device_name):
    """'253:7' for /dev/mapper/NAME, or None when the device is not there (already removed)."""
    try:
        st = os.stat("/dev/mapper/" + device_name)
    except OSError:
        return None
    return "{}:{}".format(os.major(st.st_rdev), os.minor(st.st_rdev))
