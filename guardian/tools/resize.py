"""`pool-guardian resize CONTAINER SIZE`: grow a stopped container's thin device and filesystem.

dm-thin gives a thin device whatever length its table says, so the device grows by activating
it longer; the filesystem then grows on a temporary mount (xfs_growfs, resize2fs). Docker
activates a device with the size in devicemapper/metadata/<hash> and rewrites that file
itself, so the file is changed too, and only while dockerd is stopped. Never shrinks.
"""
import collections
import json
import os
import time

from guardian.errors import EXIT_OK, GuardianError
from guardian.host.docker_api import DockerApi
from guardian.host.files import write_atomic
from guardian.host.lock import action_lock
from guardian.host.processes import docker_daemon_pid
from guardian.report.log import audit
from guardian.tools import thin_devices
from guardian.tools.target import docker_answers, from_files, refuse_running
from guardian.units import format_bytes

RESIZE_DIR = os.path.join(thin_devices.RUN_DIR, "resize")
GROW_TIMEOUT = 600.0


def resize(app, query, new_size, root):
    """new_size in bytes: the command line has checked SIZE already, so a typo never waits for dockerd."""
    refuse_while_dockerd_runs(app)
    target = from_files(query, root)
    refuse_running(target, "resize")
    old_size = target.device.size_bytes
    if new_size < old_size:
        raise GuardianError("container {} is {}; {} would shrink it, and resize never shrinks".format(
            target.label(), format_bytes(old_size), format_bytes(new_size)))
    if new_size == old_size:
        print("resize: {} is already {}; nothing to do".format(target.label(), format_bytes(old_size)))
        return EXIT_OK
    pool = thin_devices.inactive_pool(app, target)
    with action_lock():
        kind, backup = _grow(app.host, pool, target, new_size)
    line = "resize: {} grown from {} to {} ({} grown; {} updated, previous copy {}); start dockerd again".format(
        target.label(), format_bytes(old_size), format_bytes(new_size), kind, target.device.metadata_path, backup)
    print(line)
    audit("tool.changed", line, tool="resize", container=target.container.id)
    return EXIT_OK


def refuse_while_dockerd_runs(app):
    """Docker keeps the device's size in memory and writes it back: resizing under it is lost."""
    why = "Docker activates a container's device with the size in its devicemapper/metadata file and " \
          "rewrites that file itself, so resize needs dockerd stopped (systemctl stop docker; resize; " \
          "systemctl start docker)"
    pid = docker_daemon_pid()
    if pid is not None:
        raise GuardianError("dockerd is running (pid {}): {}".format(pid, why))
    with DockerApi(app.settings, app.host) as docker:
        if docker_answers(docker):
            raise GuardianError("Docker answers on {}: {}".format(app.settings.pool.docker_host, why))


def _grow(host, pool, target, new_size):
    """Mount it longer, record the size in Docker's file, grow the filesystem; always clean up.
    If growing fails, Docker's file gets its old size back: a filesystem smaller than its device is
    harmless, a device smaller than its filesystem is not."""
    name = thin_devices.OUR_PREFIX + "resize-" + target.short_id
    directory = os.path.join(RESIZE_DIR, target.short_id)
    done = []
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        done.append(lambda: os.rmdir(directory))
        dev, kind = thin_devices.mount_device(host, done, name, pool, target.device.device_id, new_size,
                                              directory, rw=True)
        backup = write_size(target.device.metadata_path, new_size)
        done.append(lambda: _restore(backup, target.device.metadata_path))
        host.run(["xfs_growfs", directory] if kind == "xfs" else ["resize2fs", dev],
                 timeout=GROW_TIMEOUT, changes=True)
        done.pop()          # grown: the new size stays
    except (GuardianError, OSError) as exc:
        thin_devices.undo_after(done, exc)
    thin_devices.finish(done, "resize")
    return kind, backup


def write_size(path, new_size):
    """Set "size" in a Docker metadata file, atomically, keeping every other field as it was and
    a copy of the old file next to it. Both names start with a dot: Docker skips those files."""
    with open(path) as handle:
        text = handle.read()
    record = json.loads(text, object_pairs_hook=collections.OrderedDict)
    record["size"] = new_size
    folder, base = os.path.split(path)
    backup = os.path.join(folder, ".{}.pool-guardian-backup-{}".format(base, time.strftime("%Y%m%dT%H%M%S")))
    mode = os.stat(path).st_mode & 0o777
    write_atomic(backup, text, mode)
    write_atomic(path, json.dumps(record, separators=(",", ":")), mode)
    return backup


def _restore(backup, path):
    with open(backup) as handle:
        write_atomic(path, handle.read(), os.stat(path).st_mode & 0o777)
