"""`pool-guardian rescue mount|umount CONTAINER`: reach the files of a container that cannot start.

A container whose filesystem is full fails `docker start` ("no space left on device") and so
cannot be entered to clean up. Rescue activates its thin device under a name of our own
(pool-guardian-rescue-<id12>) and mounts it, read-only unless --rw. umount undoes exactly that
and nothing else: a state file under /run/pool-guardian/rescue/ records what was created.
"""
import json
import os
from typing import NamedTuple

from guardian.act.mounts import unmount
from guardian.errors import EXIT_OK, GuardianError
from guardian.host.files import write_atomic
from guardian.host.lock import action_lock
from guardian.observe.holders import describe_hold
from guardian.report.log import audit
from guardian.tools import thin_devices
from guardian.tools.target import refuse_running, resolve

RESCUE_DIR = os.path.join(thin_devices.RUN_DIR, "rescue")
NAME_PREFIX = thin_devices.OUR_PREFIX + "rescue-"


class RescueState(NamedTuple):
    container_id: str
    name: str
    dm_name: str
    mount_point: str
    made_dir: bool
    rw: bool


def state_path(container_id):
    return os.path.join(RESCUE_DIR, container_id[:12] + ".json")


def rescue_mount(app, query, directory, rw, root):
    target = resolve(app, query, root)
    refuse_running(target, "rescue")
    if target.device.deleted:
        raise GuardianError("container {}: Docker marked its device {} deleted".format(
            target.label(), target.device.device_id))
    previous = find_state(target.container.id)
    if previous is not None:
        raise GuardianError("container {} is already rescue-mounted at {} (pool-guardian rescue umount {})".format(
            target.label(), previous.mount_point, target.short_id))
    pool = thin_devices.inactive_pool(app, target)
    state = RescueState(target.container.id, target.container.name, NAME_PREFIX + target.short_id,
                        os.path.abspath(directory or os.path.join(RESCUE_DIR, target.short_id)), False, rw)
    with action_lock():
        state, kind = _mount(app.host, state, pool, target)
    line = "rescue: {} (thin device {}, {}) mounted {} at {} as /dev/mapper/{}; its files are under {}/rootfs".format(
        target.label(), target.device.device_id, kind, "read-write" if rw else "read-only", state.mount_point,
        state.dm_name, state.mount_point)
    print(line)
    audit("tool.changed", line, tool="rescue mount", container=target.container.id)
    print("rescue: when done, and before starting the container: pool-guardian rescue umount {}".format(
        target.container.name or target.short_id))
    return EXIT_OK


def _mount(host, state, pool, target):
    """Directory, device, mount, state file; on any failure, undo what was done, newest first."""
    done = []
    try:
        if _make_dir(state.mount_point):
            state = state._replace(made_dir=True)
            done.append(lambda: os.rmdir(state.mount_point))
        _, kind = thin_devices.mount_device(host, done, state.dm_name, pool, target.device.device_id,
                                            target.device.size_bytes, state.mount_point, state.rw)
        _write_state(state)
    except (GuardianError, OSError) as exc:
        thin_devices.undo_after(done, exc)
    return state, kind


def _make_dir(path):
    """True when we created it. An existing one must be an empty directory and not a mount point."""
    if not os.path.exists(path):
        os.makedirs(path, mode=0o700)
        return True
    if not os.path.isdir(path):
        raise GuardianError("{}: not a directory".format(path))
    if os.path.ismount(path):
        raise GuardianError("{}: already a mount point".format(path))
    if os.listdir(path):
        raise GuardianError("{}: not empty (rescue mounts over nothing)".format(path))
    return False


def _write_state(state):
    """Whole or not at all: `rescue umount` after a crash goes by this file."""
    os.makedirs(RESCUE_DIR, mode=0o755, exist_ok=True)
    write_atomic(state_path(state.container_id), json.dumps(state._asdict()), 0o644)


def find_state(query):
    """The rescue state whose container id starts with query or whose name is query, or None."""
    try:
        names = sorted(n for n in os.listdir(RESCUE_DIR) if n.endswith(".json"))
    except FileNotFoundError:
        return None
    for name in names:
        try:
            with open(os.path.join(RESCUE_DIR, name)) as handle:
                state = RescueState(**json.load(handle))
        except (OSError, ValueError, TypeError):
            continue
        if state.container_id.startswith(query) or state.name == query.lstrip("/"):
            return state
    return None


def rescue_umount(app, query):
    state = find_state(query)
    if state is None:
        raise GuardianError("no rescue mount of {!r} (no state file in {})".format(query, RESCUE_DIR))
    holds = thin_devices.mounts_of(state.dm_name)
    ours = os.readlink("/proc/self/ns/mnt")
    elsewhere = [h for h in holds if h.namespace != ours]
    if elsewhere:
        raise GuardianError("/dev/mapper/{} is also mounted elsewhere: {}; release it first: "
                            "pool-guardian busy /dev/mapper/{} --release".format(
                                state.dm_name, "; ".join(describe_hold(h) for h in elsewhere), state.dm_name))
    with action_lock():
        for hold in holds:
            unmount(app.host, hold)
        if thin_devices.exists(app.host, state.dm_name):
            thin_devices.remove(app.host, state.dm_name)
        if state.made_dir and os.path.isdir(state.mount_point):
            os.rmdir(state.mount_point)
        os.unlink(state_path(state.container_id))
    line = "rescue: {} unmounted from {}; /dev/mapper/{} removed".format(
        state.name or state.container_id[:12], state.mount_point, state.dm_name)
    print(line)
    audit("tool.changed", line, tool="rescue umount", container=state.container_id)
    return EXIT_OK
