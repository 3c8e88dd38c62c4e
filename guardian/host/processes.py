"""Who a process is: its command line, the Docker container it runs in (from its cgroup),
whether it is Docker's daemon, its mount namespace and when it started; read from /proc by raw
reads, since the holder search names hundreds of processes at a time.
"""
import os
import re
from typing import NamedTuple

PROC = "/proc"
DOCKER_DAEMONS = ("dockerd", "dockerd-current", "docker")   # docker: the daemon before 1.12
_CONTAINER_ID = re.compile(r"(?:docker[-/]|/)([0-9a-f]{64})(?:\.scope)?(?:/|$)")


class Holder(NamedTuple):
    pid: int
    command: str
    container: str          # the container id from its cgroup, or "" for a host process


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


def process_started(pid, proc=PROC):
    """The process' start time in clock ticks since boot (/proc/PID/stat field 22), or None: with
    the pid it names one process, where a pid alone may have been reused."""
    try:
        return int(read_proc_file("{}/{}/stat".format(proc, pid)).rsplit(b")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


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


def _pids(proc):
    return (int(name) for name in os.listdir(proc) if name.isdigit())


def mount_namespaces(proc=PROC):
    """(pid, mount namespace) of every process whose namespace link can be read: one readlink
    each; a process that went away, or one we may not look into, is left out."""
    for pid in _pids(proc):
        try:
            yield pid, os.readlink("{}/{}/ns/mnt".format(proc, pid))
        except OSError:
            continue


def docker_daemon_pid(proc=PROC):
    """The running Docker daemon's pid, or None."""
    for pid in sorted(_pids(proc)):
        if is_docker_daemon(pid, proc):
            return pid
    return None
