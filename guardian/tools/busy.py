"""`pool-guardian busy CONTAINER|PATH|DEVICE [--release]`: who holds it, in every mount namespace.

The answer operators otherwise piece together with grep over /proc/*/mountinfo and nsenter. It
uses the holders engine the daemon's release_mounts action uses; --release unmounts inside the
holders' namespaces the same way (nsenter + umount), and never kills a process.
"""
import os
import stat

from guardian.act.mounts import unmount
from guardian.errors import EXIT_FAILURE, EXIT_OK, GuardianError
from guardian.host.devices import dm_device_number, major_minor
from guardian.host.lock import action_lock
from guardian.observe import holders
from guardian.observe.mountinfo import escape, parse_mountinfo
from guardian.report.log import audit
from guardian.tools import docker_state
from guardian.tools.target import resolve

SHOWN_HOLDERS = 10     # the host's own namespace has every system process in it


def busy(app, what, release, root):
    wanted, label, running = matcher(app, what, root)
    holds = holders.find_holds(wanted)
    if not holds and what.startswith("/") and not os.path.lexists(what):
        # a typo must not read as all clear; a path gone here but mounted elsewhere is still listed
        raise GuardianError("{}: no such file or directory, and no mount namespace has a mount there".format(what))
    names = _container_names(root)
    print(render(holds, label, names))
    if not release:
        return EXIT_OK
    if running:
        raise GuardianError("{} is running: its mounts are in use by it; stop it instead of releasing them".format(
            label))
    ours = [h for h in holds if not h.docker_daemon]
    with action_lock():
        for hold in ours:
            unmount(app.host, hold)
    left = [h for h in holders.find_holds(wanted) if not h.docker_daemon]
    line = "busy: released {} namespace(s); {}".format(len(ours), "still held in " + ", ".join(
        h.namespace for h in left) if left else "nothing else holds {}".format(label))
    print(line)
    audit("tool.changed", line, tool="busy --release", target=label)
    return EXIT_FAILURE if left else EXIT_OK


def matcher(app, what, root):
    """(wanted(mount), label, running) for a container name/id, a block device or a path."""
    if not what.startswith("/"):
        target = resolve(app, what, root)
        name = target.docker_name
        wanted = holders.container_mount_matcher(target.container.id, name, dm_device_number(name))
        return wanted, "container " + target.label(), target.container.running
    try:
        st = os.stat(what)
    except FileNotFoundError:
        path = os.path.normpath(what)
        return holders.MountQuery((escape(path),), _under(path)), what, False
    except OSError as exc:
        raise GuardianError("{}: {}".format(what, exc.strerror))
    if stat.S_ISBLK(st.st_mode):
        number = major_minor(st.st_rdev)
        return (holders.MountQuery((), lambda m: m.device == number, (number,)),
                "device {} ({})".format(what, number), False)
    return path_matcher(os.path.realpath(what)), what, False


def path_matcher(path):
    """Mounts at or under path in any namespace, and, when path is where a whole filesystem other
    than / is mounted here, that filesystem wherever it is mounted (a leaked copy has the same device)."""
    under = _under(path)
    with open("/proc/self/mountinfo") as handle:
        here = [m for m in parse_mountinfo(handle.read(), "/proc/self/mountinfo") if m.mount_point == path]
    root_device = major_minor(os.stat("/").st_dev)
    devices = {m.device for m in here if m.root == "/" and m.device != root_device}
    return holders.MountQuery((escape(path),), lambda m: under(m) or m.device in devices, tuple(sorted(devices)))


def _under(path):
    prefix = path.rstrip("/") + "/"
    return lambda m: m.mount_point == path or m.mount_point.startswith(prefix)


def render(holds, label, names):
    if not holds:
        return "busy: nothing holds {} in any mount namespace".format(label)
    lines = ["busy: {} mount namespace(s) hold {}:".format(len(holds), label)]
    for hold in holds:
        lines.append("{}{}  (enter: nsenter --mount=/proc/{}/ns/mnt)".format(
            hold.namespace, " dockerd's own namespace" if hold.docker_daemon else "", hold.enter_pid))
        lines.extend("  mount {} ({} {})".format(m.mount_point, m.fstype, m.source) for m in hold.mounts)
        lines.extend("  pid {} {}{}".format(h.pid, h.command, _owner(h.container, names))
                     for h in hold.holders[:SHOWN_HOLDERS])
        if len(hold.holders) > SHOWN_HOLDERS:
            lines.append("  ... and {} more processes in this namespace".format(len(hold.holders) - SHOWN_HOLDERS))
    return "\n".join(lines)


def _owner(container_id, names):
    if not container_id:
        return ""
    return "  [container {} {}]".format(names.get(container_id, "?"), container_id[:12])


def _container_names(root):
    try:
        return {r.id: r.name for r in docker_state.list_containers(root)}
    except GuardianError:
        return {}
