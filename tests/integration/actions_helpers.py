"""What the action tests (issue 5) need beyond conftest's fixtures: a real ActionContext as the
engine builds one, a small filesystem for the loop files (so the room under a pool is known), and
the mounts a namespace holds. Everything runs against the guest's real kernel and Docker.
"""
import itertools
import os

import pytest

from guardian.act.base import ActionContext
from guardian.config import load_config_text
from guardian.host.door import HostDoor
from guardian.observe.observer import Observer
from guardian.report.log import configure_logging
from tests.integration.bedlib import SCRATCH, out, sh

_serial = itertools.count(1)


def context(config_text="", dry_run=False, with_docker=True):
    """(ActionContext, Observer) for a config, with the real host; as the engine builds them."""
    settings = load_config_text(config_text, "test config")
    log = configure_logging("debug", "console")
    host = HostDoor(log, dry_run=dry_run, timeout=60)
    observer = Observer(host, settings, with_docker=with_docker)
    return ActionContext(host, log, settings, observer.snapshot, lambda: None, lambda: False), observer


def pool_config(pool, text=""):
    return "pool:\n  name: {}\n{}".format(pool.name, text)


def names(dockerd):
    return set(dockerd.docker("ps", "-a", "--format", "{{.Names}}").stdout.split())


def pool_line(name):
    return out("dmsetup status " + name)


def suspended(name):
    return "SUSPENDED" in out("dmsetup info " + name)


@pytest.fixture
def small_fs():
    """A directory on its own xfs of `size` bytes: the filesystem under a loop-lvm pool's files.
    Ask for it BEFORE make_thin_pool, so the pool is torn down first."""
    made = []

    def make(size):
        n = next(_serial)
        image, directory = os.path.join(SCRATCH, "actions-fs{}.img".format(n)), os.path.join(
            SCRATCH, "actions-fs{}".format(n))
        sh("truncate -s {0} {1} && mkfs.xfs -q -f {1} && mkdir -p {2} && mount -o loop {1} {2}".format(
            size, image, directory))
        made.append((image, directory))
        return directory
    yield make
    for image, directory in made:
        sh("umount {0} || umount -l {0}; rm -f {1}".format(directory, image), check=False)


def mount_point_of(dockerd, container):
    """Where dockerd mounted a container's thin device (dockerd shares our namespace in the bed)."""
    device = dockerd.docker("inspect", "-f", "{{.GraphDriver.Data.DeviceName}}", container).stdout.strip()
    with open("/proc/self/mountinfo") as handle:
        for line in handle:
            if "/dev/mapper/" + device + " " in line:
                return line.split()[4]
    raise AssertionError("{} is not mounted".format(device))


def held(pid):
    """The Docker thin-device mounts a process's namespace holds."""
    with open("/proc/{}/mountinfo".format(pid)) as handle:
        return [line for line in handle if "/dev/mapper/docker-" in line]
