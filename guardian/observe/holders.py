"""Who still holds a mount: every mount namespace on the host, and the processes in it.

When `docker rm` fails with "device or resource busy", the container's thin device is still
mounted in some other mount namespace (a service with PrivateTmp, a container with
/var/lib/docker bind-mounted, an `unshare` started while the container ran). Processes are
grouped by namespace (one readlink of /proc/PID/ns/mnt each) and ONE mountinfo is read per
namespace: reading one per process costs minutes on a host with thousands of processes. A
namespace's mountinfo is parsed only when it contains one of the query's needles, and only the
processes of namespaces that hold something are named (cmdline and cgroup).
"""
import os
import re
from typing import Callable, NamedTuple, Tuple

from guardian.errors import ParseError
from guardian.observe.mountinfo import Mount, escape, parse_mountinfo

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


class MountQuery(NamedTuple):
    """Which mounts to look for. Every mountinfo line of a wanted mount contains one of the
    needles, so a namespace whose mountinfo contains none is skipped unparsed; () parses all."""
    needles: Tuple[str, ...]
    wanted: Callable[[Mount], bool]

    def find(self, text, source):
        if self.needles:
            if not any(n in text for n in self.needles):
                return ()
            text = "\n".join(line for line in text.splitlines() if any(n in line for n in self.needles))
        return tuple(m for m in parse_mountinfo(text, source) if self.wanted(m))


def device_needle(number):
    """How a device number appears in a mountinfo line: its own field, between spaces."""
    return " {} ".format(number)


def namespaces(proc=PROC):
    """{namespace: [pids]}: one readlink per process (kernel threads are dropped when named)."""
    groups = {}
    for name in os.listdir(proc):
        if name.isdigit():
            try:
                groups.setdefault(os.readlink(proc + "/" + name + "/ns/mnt"), []).append(int(name))
            except OSError:
                continue        # gone meanwhile, or one we may not look into
    for pids in groups.values():
        pids.sort()
    return groups


def read_mountinfo(pids, proc=PROC):
    """(pid, text) from the first of these processes whose mountinfo can still be read."""
    for pid in pids:
        try:
            return pid, read_proc_file("{}/{}/mountinfo".format(proc, pid)).decode("utf-8", "surrogateescape")
        except OSError:
            continue
    return None, ""


def read_mounts(pids, proc=PROC):
    """(pid, mounts) from the first of these processes whose mountinfo can still be read."""
    pid, text = read_mountinfo(pids, proc)
    try:
        return pid, parse_mountinfo(text, "/proc/{}/mountinfo".format(pid))
    except ParseError:
        return None, []


def holder(pid, proc=PROC):
    """Who a process is, or None for a kernel thread (no command line and no executable)."""
    command = command_of(pid, proc)
    if command.startswith("[") and not _has_executable(pid, proc):
        return None
    return Holder(pid, command, container_of(pid, proc))


def _has_executable(pid, proc):
    try:
        os.readlink("{}/{}/exe".format(proc, pid))
        return True
    except OSError:
        return False


def read_proc_file(path, limit=None):
    """A /proc file by raw reads (up to limit bytes): no buffered file object, which costs more
    than the read itself when thousands of processes are looked at."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while limit is None or sum(map(len, chunks)) < limit:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)[:limit]
    finally:
        os.close(fd)


def command_of(pid, proc=PROC):
    try:
        words = read_proc_file("{}/{}/cmdline".format(proc, pid), 4096).split(b"\0")
        text = " ".join(w.decode("utf-8", "replace") for w in words if w)
        if text:
            return text[:120]
        return "[{}]".format(read_proc_file("{}/{}/comm".format(proc, pid)).decode("utf-8", "replace").strip())
    except OSError:
        return "?"


def container_of(pid, proc=PROC):
    """The Docker container a process runs in, from its cgroup path (cgroupfs or systemd driver)."""
    try:
        return container_in_cgroup(read_proc_file("{}/{}/cgroup".format(proc, pid)).decode("utf-8", "replace"))
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


def is_docker_daemon_command(command):
    """The same test on a command line already read: 'dockerd ...' or 'docker daemon ...'."""
    words = command.split()
    program = os.path.basename(words[0]) if words else ""
    return program in DOCKER_DAEMONS[:2] or (program == "docker" and words[1:2] == ["daemon"])


def docker_daemon_pid(proc=PROC):
    """The running Docker daemon's pid, or None."""
    for name in sorted(os.listdir(proc), key=lambda n: (len(n), n)):
        if name.isdigit() and is_docker_daemon(int(name), proc):
            return int(name)
    return None


def find_holds(query, proc=PROC):
    # type: (MountQuery, str) -> list
    """Every namespace with a mount the query wants, and who is in it."""
    holds = []
    for namespace, pids in sorted(namespaces(proc).items()):
        enter_pid, text = read_mountinfo(pids, proc)
        try:
            matched = query.find(text, "/proc/{}/mountinfo".format(enter_pid))
        except ParseError:
            continue        # the process exited while its mountinfo was read
        if matched:
            named = tuple(h for h in (holder(p, proc) for p in pids) if h is not None)
            holds.append(Hold(namespace, enter_pid, named, matched,
                              any(is_docker_daemon_command(h.command) for h in named)))
    return holds


def container_mount_matcher(container_id, device_name, device_number=None):
    """The mounts of one container: its thin device (by name or major:minor), its
    devicemapper/mnt/<hash> mount point, and anything under containers/<id>/ (shm, secrets)."""
    mount_hash = device_name.rsplit("-", 1)[-1] if device_name else None
    source = "/dev/mapper/" + device_name if device_name else None
    needles = tuple(n for n in ("/containers/" + container_id, mount_hash and escape(mount_hash),
                                device_number and device_needle(device_number)) if n)

    def wanted(mount):
        if source and mount.source == source:
            return True
        if device_number and mount.device == device_number:
            return True
        if mount_hash and mount.mount_point.endswith("/devicemapper/mnt/" + mount_hash):
            return True
        return "/containers/{}/".format(container_id) in mount.mount_point + "/"
    return MountQuery(needles, wanted)


def device_number(device_name):
    """'253:7' for /dev/mapper/NAME, or None when the device is not there (already removed)."""
    try:
        st = os.stat("/dev/mapper/" + device_name)
    except OSError:
        return None
    return "{}:{}".format(os.major(st.st_rdev), os.minor(st.st_rdev))
