"""The el7 profile: the guest made to run pool-guardian as a CentOS 7 host does (issue 19).

- the RPM's payload installed with rpm itself (its %post runs: preset, journal catalog);
- /usr/bin/python3 is a CPython 3.6, as CentOS 7's python3 3.6.8 is;
- pool-guardian.service as shipped, plus one drop-in that takes away what systemd 219 never sets
  (JOURNAL_STREAM came in v231, INVOCATION_ID in v232): the guest's systemd is 252, and without
  the drop-in the daemon would find the journal the easy way, which el7 does not offer;
- dockerd as a service with MountFlags=slave, as CentOS 7's docker.service ran it, so Docker's
  mounts live in a namespace of their own and every fstrim or release must enter it.
"""
import glob
import json
import os
import subprocess
import threading
import time

from tests.integration.bedlib import REPO, ROOTFS_TAR, SCRATCH, out, run, sh
from tests.integration.bedlib.docker import DOCKER, IMAGE, remove_docker_devices
from tests.integration.bedlib.pools import wait_until

UNIT = "pool-guardian.service"
CONFIG = "/etc/pool-guardian/config.yaml"
PYTHON36 = sorted(glob.glob("/root/.pyenv/versions/3.6*/bin/python3.6"))
EL7_DROPIN = "/run/systemd/system/pool-guardian.service.d/el7-systemd-219.conf"
DOCKER_UNIT = "/run/systemd/system/el7-docker.service"
DOCKER_ROOT = os.path.join(SCRATCH, "el7-docker")
LOOP_LVM = "--storage-opt dm.loopdatasize=1G --storage-opt dm.loopmetadatasize=64M"
DOCKER_UNIT_TEXT = """\
[Unit]
Description=Docker as CentOS 7's docker.service ran it (MountFlags=slave)
[Service]
Type=notify
ExecStart=/usr/sbin/dockerd --data-root {root} --storage-driver devicemapper {pool} \\
  --storage-opt dm.basesize=512M \\
  --storage-opt dm.use_deferred_removal=false --storage-opt dm.use_deferred_deletion=false \\
  --bridge=none --iptables=false --ip-masq=false
MountFlags=slave
Delegate=yes
KillMode=process
TimeoutStartSec=180
"""


def rpm_file():
    found = sorted(glob.glob(os.path.join(REPO, "dist", "pool-guardian-*.el7.x86_64.rpm")))
    assert found, "no RPM in dist/: make bed-test builds it first (make rpm)"
    return found[-1]


def install():
    """The package, Python 3.6 as /usr/bin/python3, and the systemd 219 drop-in."""
    assert PYTHON36, "no CPython 3.6 under /root/.pyenv (make setup uses the same one)"
    previous = os.path.realpath("/usr/bin/python3")
    # a fresh host: no ladder memory or fill samples left by an earlier test's daemon
    sh("rm -rf /run/pool-guardian")
    sh("ln -sf {} /usr/bin/python3".format(PYTHON36[-1]))
    sh("rpm -i --nodeps {}".format(rpm_file()), timeout=300)
    os.makedirs(os.path.dirname(EL7_DROPIN), exist_ok=True)
    with open(EL7_DROPIN, "w") as f:
        f.write("# systemd 219 (CentOS 7) sets neither: the daemon must find the journal without them.\n"
                "[Service]\nUnsetEnvironment=JOURNAL_STREAM INVOCATION_ID\n")
    sh("systemctl daemon-reload")
    return previous


def uninstall(previous_python):
    sh("systemctl stop {}".format(UNIT), check=False, timeout=60)
    sh("rpm -e --nodeps pool-guardian", check=False, timeout=120)
    sh("rm -rf {} && systemctl daemon-reload".format(os.path.dirname(EL7_DROPIN)), check=False)
    sh("ln -sf {} /usr/bin/python3".format(previous_python), check=False)


def start_docker(pool_options=LOOP_LVM):
    """loop-lvm by default; direct-lvm with `--storage-opt dm.thinpooldev=/dev/mapper/...`."""
    with open(DOCKER_UNIT, "w") as f:
        f.write(DOCKER_UNIT_TEXT.format(root=DOCKER_ROOT, pool=pool_options))
    sh("systemctl daemon-reload && systemctl start el7-docker.service", timeout=240)
    docker("import", ROOTFS_TAR, IMAGE)


def stop_docker():
    docker("rm", "-f", *docker("ps", "-aq", check=False).stdout.split(), check=False)
    sh("systemctl stop el7-docker.service", check=False, timeout=120)
    remove_docker_devices()
    for line in out("losetup -a").splitlines():
        if DOCKER_ROOT in line:
            sh("losetup -d " + line.split(":")[0], check=False)
    sh("rm -rf {} {} && systemctl daemon-reload".format(DOCKER_ROOT, DOCKER_UNIT), check=False)


def docker(*args, check=True, timeout=300):
    return run([DOCKER] + list(args), check=check, timeout=timeout)


def dockerd_pid():
    return int(out("systemctl show -p MainPID --value el7-docker.service"))


def show(prop, unit=UNIT):
    return out("systemctl show -p {} --value {}".format(prop, unit))


def wait_for(predicate, timeout, what, interval=1.0):
    """wait_until that fails naming what it waited for."""
    value = wait_until(predicate, timeout, interval)
    if not value:
        raise AssertionError("waited {} s for {}".format(timeout, what))
    return value


def journal(*args):
    """Journal entries as dicts (journalctl -o json ARGS), after a sync."""
    sh("journalctl --sync", check=False)
    lines = out("journalctl --no-pager -o json " + " ".join(args), check=False)
    return [json.loads(line) for line in lines.splitlines() if line.startswith("{")]


def unit_journal(*args):
    """The journal of pool-guardian.service alone."""
    return journal("-u", UNIT, *args)


def docker_pool():
    """The pool Docker uses, by its own account (`docker info`)."""
    return dict(json.loads(docker("info", "--format", "{{json .DriverStatus}}").stdout))["Pool Name"]


def pool_usage(pool):
    """(used, total) data blocks from the kernel."""
    fields = out("dmsetup status " + pool).split()
    used, total = fields[5].split("/")
    return int(used), int(total)


def write_in(container, name, megabytes):
    docker("exec", container, "dd", "if=/dev/zero", "of=/" + name, "bs=1M", "count={}".format(megabytes),
           "conv=fsync")


def leak_a_dead_container(name="leaky"):
    """A holder in a copy of dockerd's namespace keeps the container's filesystem mounted (bound
    elsewhere too: newer kernels detach copies at the same path), so `docker rm` fails busy and the
    container is Dead, as on CentOS 7."""
    docker("run", "-d", "--name", name, IMAGE, "sh", "-c",
           "dd if=/dev/zero of=/fill bs=1M count=60 conv=fsync && exec sleep 1000000")
    wait_for(lambda: docker("exec", name, "test", "-s", "/fill", check=False).returncode == 0, 120,
             name + "'s write")
    device = docker("inspect", "-f", "{{.GraphDriver.Data.DeviceName}}", name).stdout.strip()
    mount_point = next(line.split()[4] for line in open("/proc/{}/mountinfo".format(dockerd_pid()))
                       if "/dev/mapper/{} ".format(device) in line)
    holder = subprocess.Popen(["nsenter", "-t", str(dockerd_pid()), "-m", "unshare", "--mount", "--propagation",
                               "private", "sh", "-c", "mkdir -p /tmp/leak-{0} && mount --bind {1} /tmp/leak-{0} && "
                               "exec sleep 1000000".format(name, mount_point)])
    time.sleep(3)
    docker("stop", "-t", "1", name)
    failed = docker("rm", name, check=False)
    assert failed.returncode != 0, "docker rm did not fail: the leak did not hold"
    state = docker("inspect", "-f", "{{.State.Status}}", name).stdout.strip()
    assert state == "dead", state
    return holder, device


class PoolWatch(threading.Thread):
    """The pool's mode, sampled every half second while a race runs."""

    def __init__(self, pool):
        super().__init__(daemon=True)
        self.pool, self.modes, self.done = pool, set(), threading.Event()

    def run(self):
        while not self.done.is_set():
            fields = out("dmsetup status " + self.pool, check=False).split()
            if len(fields) > 7:
                self.modes.add(fields[7])
            time.sleep(0.5)
