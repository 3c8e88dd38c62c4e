"""Docker for the operator-tool tests: a dockerd that can be stopped and started again on the same
data root and pool, which rescue (dockerd down) and resize (dockerd must be down) need.

bedlib's Dockerd removes its data root when it stops, so this one is its own, but the pool is
bedlib's LvmThinPool (direct-lvm, dm.thinpooldev): unlike Docker's loop-lvm pool it outlives
dockerd. Docker's settings go in /etc/docker/daemon.json (the guest's overlay; the host's file
is never touched), so the tools find data-root there as they would on a host.

  with docker_bed(base_size="320M") as bed:
      bed.docker("run", ...); bed.guardian("top", "--json"); bed.stop_dockerd(); bed.start_dockerd()
"""
import contextlib
import json
import os
import signal
import subprocess
import sys
import time

from tests.integration.bedlib import REPO, ROOTFS_TAR, SCRATCH
from tests.integration.bedlib import run as run_argv
from tests.integration.bedlib.docker import DOCKER, DOCKERD, IMAGE, LvmThinPool, remove_docker_devices

DAEMON_JSON = "/etc/docker/daemon.json"
# mkfs.xfs (xfsprogs >= 5.19) refuses filesystems under 300 MB: the smallest xfs base device.
XFS_MIN_BASE_SIZE = "320M"


def run(*argv, check=True, timeout=300, **kwargs):
    """bedlib.run with the arguments spread and the longer timeout Docker's tools need here."""
    return run_argv(argv, check=check, timeout=timeout, **kwargs)


class RestartableDockerd:
    def __init__(self, pool, base_size, fs):
        self.pool = pool.dm_name
        self.root = os.path.join(SCRATCH, "docker-tools-" + pool.vg)
        self.log_path = self.root + ".log"
        self.proc = None
        os.makedirs(os.path.dirname(DAEMON_JSON), exist_ok=True)
        with open(DAEMON_JSON, "w") as handle:
            json.dump({"data-root": self.root, "storage-driver": "devicemapper",
                       "storage-opts": ["dm.thinpooldev=" + pool.path, "dm.basesize=" + base_size,
                                        "dm.fs=" + fs],
                       "iptables": False, "ip-masq": False, "bridge": "none"}, handle)

    def start_dockerd(self, timeout=180):
        self.proc = subprocess.Popen([DOCKERD], stdout=open(self.log_path, "a"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.time() + timeout
        while self.docker("version", check=False, timeout=30).returncode != 0:
            if self.proc.poll() is not None or time.time() > deadline:
                raise AssertionError("dockerd did not answer (exit {}); see {}".format(self.proc.poll(),
                                                                                      self.log_path))
            time.sleep(0.5)

    def stop_dockerd(self):
        """SIGTERM and wait: Docker unmounts and deactivates its devices on the way out."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=120)

    def docker(self, *args, check=True, timeout=300):
        return run(DOCKER, *args, check=check, timeout=timeout)

    def guardian(self, *args, check=False, timeout=300):
        """The CLI as an operator runs it: a fresh process with the default config."""
        return run(sys.executable, "-m", "guardian", *args, check=check, timeout=timeout, cwd=REPO)

    def inspect(self, container):
        return json.loads(self.docker("inspect", container).stdout)[0]

    def metadata_file(self, container):
        device_name = self.inspect(container)["GraphDriver"]["Data"]["DeviceName"]
        return os.path.join(self.root, "devicemapper", "metadata", device_name.rsplit("-", 1)[-1])

    def held_metadata_root(self):
        """The thin-pool status field that shows a held metadata snapshot ('-' when none)."""
        status = run("dmsetup", "status", self.pool).stdout.split()
        return status[status.index("thin-pool") + 4]


@contextlib.contextmanager
def docker_bed(base_size=XFS_MIN_BASE_SIZE, fs="xfs"):
    pool = LvmThinPool(size=4 << 30, pool_size="2G")
    bed = None
    try:
        bed = RestartableDockerd(pool, base_size, fs)
        bed.start_dockerd()
        bed.docker("import", ROOTFS_TAR, IMAGE)
        yield bed
    finally:
        if bed is not None:
            if bed.proc is not None and bed.proc.poll() is None:
                bed.docker("rm", "-f", *bed.docker("ps", "-aq", check=False).stdout.split(), check=False)
            bed.stop_dockerd()
        remove_docker_devices()
        pool.destroy()
        if os.path.exists(DAEMON_JSON):     # a later dockerd started with flags must not read it
            os.unlink(DAEMON_JSON)
