"""Who still holds a mount: every mount namespace on the host, and the processes in it.

When `docker rm` fails with "device or resource busy", the container's thin device is still
mounted in some other mount namespace (a service with PrivateTmp, a container with
/var/lib/docker bind-mounted, an `unshare` started while the container ran). Processes are
grouped by namespace and one file is read per namespace, not one per process as grep over
/proc/*/mounts does; only the processes of namespaces that hold something are named.
"""
from typing import Callable, NamedTuple, Optional, Tuple

from guardian.errors import ParseError
from guardian.host.processes import PROC, Holder, holder, is_docker_daemon_command, mount_namespaces, read_proc_file
from guardian.observe.mountinfo import Mount, escape, parse_mountinfo


class Hold(NamedTuple):
    """One mount namespace that holds some of the mounts asked about."""
    namespace: str          # "mnt:[4026532198]"
    enter_pid: int          # a process in it, for nsenter --mount=/proc/PID/ns/mnt
    holders: Tuple[Holder, ...]
    mounts: Tuple[Mount, ...]
    docker_daemon: bool     # dockerd's own namespace: Docker unmounts there itself


class MountQuery(NamedTuple):
    """Which mounts to look for.

    needles: text that the line of every wanted mount contains, in mountinfo and in mountstats
    alike (its source or its mount point, escaped as the kernel writes them); numbers: device
    numbers ("253:7") of wanted mounts, which only mountinfo shows. A namespace is first looked
    at through its mountstats (shorter: no options, no ids) unless the query has numbers; its
    mountinfo is parsed only when that first file contains a needle, and then only its lines
    with one. No needles and no numbers: every namespace's mountinfo is parsed whole."""
    needles: Tuple[str, ...]
    wanted: Callable[[Mount], bool]
    numbers: Tuple[str, ...] = ()

    @property
    def first_file(self):
        return "mountinfo" if self.numbers else "mountstats"

    def line_needles(self):
        return self.needles + tuple(device_needle(n) for n in self.numbers)

    def find(self, text, source):
        needles = self.line_needles()
        if needles:
            if not any(n in text for n in needles):
                return ()
            text = "\n".join(line for line in text.splitlines() if any(n in line for n in needles))
        return tuple(m for m in parse_mountinfo(text, source) if self.wanted(m))


def device_needle(number):
    """How a device number appears in a mountinfo line: its own field, between spaces."""
    return " {} ".format(number)


def read_mounts(pids, proc=PROC):
    """(pid, mounts) from the first of these processes whose mountinfo can still be read."""
    for pid in pids:
        path = "{}/{}/mountinfo".format(proc, pid)
        try:
            return pid, parse_mountinfo(read_proc_file(path).decode("utf-8", "surrogateescape"), path)
        except (OSError, ParseError):
            continue        # gone, or exited while its mountinfo was read
    return None, []


def find_holds(query, proc=PROC):
    # type: (MountQuery, str) -> list
    """Every namespace with a mount the query wants, and who is in it: one readlink of
    /proc/PID/ns/mnt per process, one look into each namespace by its first process that can
    still be read, and only the processes of namespaces that hold something are named."""
    needles = tuple(n.encode("utf-8", "surrogateescape") for n in query.line_needles())
    looks = {}          # namespace: _Look
    members = {}        # namespace that holds something: its pids
    for pid, namespace in mount_namespaces(proc):
        look = looks.get(namespace)
        if look is None or look.enter_pid is None:
            look = looks[namespace] = _look_into(pid, query, needles, proc)
        if look.mounts:
            members.setdefault(namespace, []).append(pid)
    holds = []
    for namespace, pids in sorted(members.items()):
        named = sorted(h for h in (holder(pid, proc) for pid in pids) if h is not None)
        holds.append(Hold(namespace, looks[namespace].enter_pid, tuple(named), looks[namespace].mounts,
                          any(is_docker_daemon_command(h.command) for h in named)))
    return holds


class _Look(NamedTuple):
    enter_pid: Optional[int]    # None: the process went away before it could be looked into
    mounts: Tuple[Mount, ...]


def _look_into(pid, query, needles, proc):
    """The mounts the query wants in this process' namespace. Its first file is read whole, its
    mountinfo only when that file has a needle."""
    base = "{}/{}/".format(proc, pid)
    mountinfo = base + "mountinfo"
    try:
        raw = read_proc_file(base + query.first_file)
        if needles and not any(n in raw for n in needles):
            return _Look(pid, ())
        if query.first_file != "mountinfo":
            raw = read_proc_file(mountinfo)
        return _Look(pid, query.find(raw.decode("utf-8", "surrogateescape"), mountinfo))
    except (OSError, ParseError):
        return _Look(None, ())      # gone, or exited while its mountinfo was read: ask the next one


def describe_hold(hold, names=None):
    """'mnt:[4026532198] (pid 812 unshare ..., pid 813 sleep 1000) holds /var/lib/docker/...'."""
    names = names or {}
    who = ", ".join("pid {} {}{}".format(h.pid, h.command, " in container {}".format(
        names.get(h.container, h.container[:12])) if h.container else "") for h in hold.holders[:3])
    if len(hold.holders) > 3:
        who += " and {} more".format(len(hold.holders) - 3)
    owner = "dockerd's own namespace" if hold.docker_daemon else hold.namespace
    return "{} ({}) holds {}".format(owner, who, ", ".join(m.mount_point for m in hold.mounts))


def container_mount_matcher(container_id, device_name, device_number=None):
    """The mounts of one container: its thin device (by name or major:minor), its
    devicemapper/mnt/<hash> mount point, and anything under containers/<id>/ (shm, secrets).

    The device number is no needle, so that namespaces are looked at through the cheaper
    mountstats. Docker mounts the device as /dev/mapper/NAME, which ends in the hash; mount(8)
    names a device-mapper device that way too; /dev/dm-N and /dev/block/MAJOR:MINOR are needles.
    Only a mount made through a device node of yet another name would be missed."""
    mount_hash = device_name.rsplit("-", 1)[-1] if device_name else None
    source = "/dev/mapper/" + device_name if device_name else None
    other_names = ("/dev/dm-" + device_number.split(":")[1], "/dev/block/" + device_number) if device_number else ()
    needles = tuple(n for n in ("/containers/" + container_id, mount_hash and escape(mount_hash)) if n) + other_names

    def wanted(mount):
        if source and mount.source == source:
            return True
        if device_number and mount.device == device_number:
            return True
        if mount_hash and mount.mount_point.endswith("/devicemapper/mnt/" + mount_hash):
            return True
        return "/containers/{}/".format(container_id) in mount.mount_point + "/"
    return MountQuery(needles, wanted)
