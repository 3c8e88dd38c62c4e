"""Who still holds a mount: every mount namespace on the host, and the processes in it.

When `docker rm` fails with "device or resource busy", the container's thin device is still
mounted in some other mount namespace (a service with PrivateTmp, a container with
/var/lib/docker bind-mounted, an `unshare` started while the container ran). Processes are
grouped by namespace (one readlink of /proc/PID/ns/mnt each) and ONE file is read per namespace:
reading one per process, as grep over /proc/*/mounts does, costs seconds on a host with
thousands of processes. That file is mountstats when it can tell (see MountQuery); a namespace's
mountinfo is read and parsed only when the first file contains one of the query's needles, and
only the processes of namespaces that hold something are named (cmdline and cgroup), as they
are found. The work is shared by two processes that take the processes from both ends
(guardian.host.both_ends): it is all system calls.
"""
import os
from typing import Callable, NamedTuple, Tuple

from guardian.errors import ParseError
from guardian.host.both_ends import from_both_ends
from guardian.host.devices import major_minor
from guardian.observe.mountinfo import Mount, escape, parse_mountinfo
from guardian.observe.processes import PROC, Holder, holder, is_docker_daemon_command, read_proc_file


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
    at through its mountstats when the query has no numbers (a third cheaper to read than
    mountinfo: no options, no ids), through its mountinfo otherwise; its mountinfo is parsed
    only when that first file contains a needle, and then only its lines with one. No needles
    and no numbers: every namespace's mountinfo is parsed whole."""
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


def find_holds(query, proc=PROC):
    # type: (MountQuery, str) -> list
    """Every namespace with a mount the query wants, and who is in it. The processes, in pid
    order, are taken from both ends by two processes (see guardian.host.both_ends): pids that are
    near each other are mostly in the same namespaces, so few namespaces are read twice."""
    pids = [name for name in os.listdir(proc) if name.isdigit()]
    ends = from_both_ends(lambda part: _scan(part, query, proc), pids)
    holds = []
    for namespace, (enter_pid, mounts, members, named) in sorted(_merged(ends).items()):
        if mounts:
            unnamed = (holder(p, proc) for p in members if p not in named)     # seen by the other end only
            holders = sorted([Holder(*h) for h in named.values()] + [h for h in unnamed if h is not None])
            holds.append(Hold(namespace, enter_pid, tuple(holders), tuple(Mount(*m) for m in mounts),
                              any(is_docker_daemon_command(h.command) for h in holders)))
    return holds


def _scan(pids, query, proc):
    """{namespace: [enter pid, mounts, pids, holders]} for these processes: one readlink of
    /proc/PID/ns/mnt each, one look into each namespace by its first process that can still be
    read. The mounts are those the query wants, None when there are none; then the namespace's
    processes are named as they come, so that the naming is shared out with the rest of the
    work. Plain lists and tuples: they cross a pipe from a child."""
    needles = tuple(n.encode("utf-8", "surrogateescape") for n in query.line_needles())
    scans = {}
    readlink = os.readlink
    for name in pids:
        try:
            namespace = readlink(proc + "/" + name + "/ns/mnt")
        except OSError:
            continue        # gone meanwhile, or one we may not look into
        scan = scans.get(namespace)
        if scan is None:
            scan = scans[namespace] = [None, None, [], []]
        pid = int(name)
        scan[2].append(pid)
        if scan[0] is None:
            scan[0], text = _look_into(name, query, needles, proc)
            scan[1] = tuple(tuple(m) for m in _matched(query, text, scan[0])) or None
        if scan[1] is not None:
            named = holder(pid, proc)
            if named is not None:
                scan[3].append(tuple(named))
    return scans


def _look_into(name, query, needles, proc):
    """(pid, its mountinfo text when its first file has a needle, else None); (None, None) when
    the process is gone."""
    try:
        raw = read_proc_file(proc + "/" + name + "/" + query.first_file)
        if needles and not any(n in raw for n in needles):
            return int(name), None
        if query.first_file != "mountinfo":
            raw = read_proc_file(proc + "/" + name + "/mountinfo")
    except OSError:
        return None, None
    return int(name), raw.decode("utf-8", "surrogateescape")


def _matched(query, text, pid):
    if not text:
        return ()
    try:
        return query.find(text, "/proc/{}/mountinfo".format(pid))
    except ParseError:
        return ()       # the process exited while its mountinfo was read


def _merged(ends):
    """Both ends' scans as one: {namespace: [enter pid, mounts, {pids}, {pid: holder}]}. A
    namespace seen by both has the pids and holders of both (a process seen by both, once), and
    the mounts of whichever found some in it."""
    merged = {}
    for scans in ends:
        for namespace, (enter_pid, mounts, pids, named) in scans.items():
            into = merged.setdefault(namespace, [None, None, set(), {}])
            if into[1] is None and (mounts is not None or into[0] is None):
                into[0], into[1] = enter_pid, mounts
            into[2].update(pids)
            into[3].update((h[0], h) for h in named)
    return merged


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


def device_number(device_name):
    """'253:7' for /dev/mapper/NAME, or None when the device is not there (already removed)."""
    try:
        st = os.stat("/dev/mapper/" + device_name)
    except OSError:
        return None
    return major_minor(st.st_rdev)
