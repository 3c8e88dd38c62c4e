"""dockerd 20.10 (Debian's docker.io, /usr/bin) on devicemapper, loop-lvm or direct-lvm.

One dockerd at a time, on the default socket /var/run/docker.sock, so pool-guardian finds it with
its default settings; a fresh --data-root per instance gives a fresh pool (Docker names the pool
after the data root's device and inode). dockerd starts its own containerd.
"""
import itertools
import json
import os
import shutil
import signal
import subprocess
import time

from . import ROOTFS_TAR, SCRATCH, out, run, sh

DOCKER = "/usr/bin/docker"     # not /usr/local/bin/docker: an unrelated Docker 28 client
DOCKERD = "/usr/sbin/dockerd"   # Debian docker.io 20.10
IMAGE = "bed/busybox:latest"
_serial = itertools.count(1)


class Dockerd:
    """A running dockerd; `storage_opts` are --storage-opt values (loop-lvm sizes or dm.thinpooldev)."""

    def __init__(self, storage_opts, data_root=None, import_image=True, start_timeout=90, log_path=None,
                 wrapper=()):
        """wrapper: argv put before dockerd's, e.g. unshare into a slave mount namespace as el7's unit."""
        self.data_root = data_root or os.path.join(SCRATCH, "docker-{}-{}".format(os.getpid(), next(_serial)))
        os.makedirs(self.data_root, exist_ok=True)
        self.log_path = log_path or self.data_root + ".log"
        argv = list(wrapper) + [DOCKERD, "--data-root", self.data_root, "--storage-driver", "devicemapper",
                                "--bridge=none", "--iptables=false", "--ip-masq=false", "--log-level=info"]
        for opt in storage_opts:
            argv += ["--storage-opt", opt]
        self.proc = subprocess.Popen(argv, stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        try:
            self._wait(start_timeout)
            if import_image:
                self.docker("import", ROOTFS_TAR, IMAGE)
        except BaseException:
            self.stop()
            raise

    def _wait(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("dockerd exited {}; log tail:\n{}".format(self.proc.returncode, self.log_tail()))
            if subprocess.call([DOCKER, "info"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0:
                return
            time.sleep(0.5)
        raise AssertionError("dockerd did not answer within {}s; log tail:\n{}".format(timeout, self.log_tail()))

    def log_tail(self, n=40):
        with open(self.log_path) as f:
            return "".join(f.readlines()[-n:])

    def docker(self, *args, check=True, timeout=120):
        """Run the docker CLI; CompletedProcess with text output; failure -> AssertionError."""
        return run([DOCKER] + list(args), check=check, timeout=timeout)

    def info(self):
        return json.loads(self.docker("info", "--format", "{{json .}}").stdout)

    def driver_status(self):
        """docker info's DriverStatus pairs as a dict ("Pool Name", "Data Space Used", ...)."""
        return dict(self.info()["DriverStatus"])

    @property
    def pool_name(self):
        return self.driver_status()["Pool Name"]

    def fill(self, megabytes, name=None, keep=True):
        """Write `megabytes` into the pool from inside a container (dd, fsync'ed).
        keep=True leaves the stopped container, so its blocks stay allocated in the pool."""
        args = ["run"] + ([] if keep else ["--rm"]) + (["--name", name] if name else [])
        return self.docker(*(args + [IMAGE, "dd", "if=/dev/zero", "of=/fill", "bs=1M",
                                     "count={}".format(megabytes), "conv=fsync"]), check=False, timeout=600)

    def stop(self):
        """Stop dockerd and remove its devices, loop devices and data root."""
        if self.proc.poll() is None:
            self.docker("rm", "-f", *self.docker("ps", "-aq", check=False).stdout.split(), check=False)
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        remove_docker_devices()
        # loop-lvm: the loop devices over data-root/devicemapper/devicemapper/{data,metadata}.
        for line in out("losetup -a").splitlines():
            if self.data_root in line:
                sh("losetup -d " + line.split(":")[0], check=False)
        shutil.rmtree(self.data_root, ignore_errors=True)


def remove_docker_devices():
    """dm devices Docker leaves (container thin devices first, then a loop-lvm pool)."""
    names = [l.split()[0] for l in out("dmsetup ls").splitlines() if l.startswith("docker-")]
    for name in sorted(names, key=lambda n: n.endswith("-pool")):
        sh("umount -l /dev/mapper/{0} 2>/dev/null; dmsetup resume {0}; dmsetup remove --retry -f {0}".format(name),
           check=False)


class LvmThinPool:
    """direct-lvm: a volume group on a loop PV and an LVM thin pool LV, as docker-storage-setup makes."""

    def __init__(self, size=3 << 30, pool_size="1G", metadata_size="32M", vg=None):
        self.vg = vg or "bedvg{}".format(next(_serial))
        self.image = os.path.join(SCRATCH, self.vg + ".pv")
        sh("truncate -s {} {}".format(size, self.image))
        self.loop = out("losetup -f --show " + self.image)
        # --monitor n; the guest's udev autoactivation still has dmeventd monitor it (with lvm.conf's
        # threshold of 100: no autoextension). Tests that need it unmonitored say so.
        sh("pvcreate -q {0} && vgcreate -q {1} {0}".format(self.loop, self.vg))
        sh("lvcreate -q -y --type thin-pool --monitor n -Zn -L {} --poolmetadatasize {} -n thinpool {}".format(
            pool_size, metadata_size, self.vg))
        sh("udevadm settle")
        self.dm_name = "{}-thinpool".format(self.vg)
        self.path = "/dev/mapper/" + self.dm_name

    def destroy(self):
        sh("vgremove -q -ff {}".format(self.vg), check=False)
        sh("pvremove -q -ff {}".format(self.loop), check=False)
        sh("losetup -d " + self.loop, check=False)
        if os.path.exists(self.image):
            os.unlink(self.image)
