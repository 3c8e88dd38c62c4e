"""busy on a real Docker devicemapper pool: a holder in another mount namespace is named and released."""
import os
import subprocess
import sys
import time

import pytest

from tests.integration.tools_helpers import IMAGE, docker_bed


@pytest.fixture(scope="module")
def bed():
    with docker_bed() as bed:
        yield bed


def test_busy_names_a_holder_in_another_namespace_and_release_unmounts_without_killing(bed):
    bed.docker("run", "-d", "--name", "held", "--network", "none", IMAGE, "sleep", "600")
    # Started while the container runs, it keeps a private copy of the container's mounts. Since
    # kernel 3.18 moby's rmdir of the mount point on stop detaches copies AT THE SAME PATH in other
    # namespaces, so the holder also bind-mounts it elsewhere, as a filesystem-inspecting agent does
    # (CentOS 7's 3.10 kernel keeps the plain copy).
    script = "mkdir -p /tmp/leak && mount --bind {} /tmp/leak && exec sleep 600".format(mount_point(bed, "held"))
    holder = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", script])
    try:
        wait_for_mount(holder.pid, "/tmp/leak")
        shown = bed.guardian("busy", "held")
        assert shown.returncode == 0, shown.stderr
        assert "pid {} sleep 600".format(holder.pid) in shown.stdout
        assert "[container held " in shown.stdout      # the container's own processes, named
        refused = bed.guardian("busy", "held", "--release")
        assert refused.returncode == 1 and "is running" in refused.stderr

        bed.docker("stop", "-t", "1", "held")
        still = bed.guardian("busy", "held")
        assert "pid {} sleep 600".format(holder.pid) in still.stdout and "mount /tmp/leak " in still.stdout
        released = bed.guardian("busy", "held", "--release")
        assert released.returncode == 0, released.stdout + released.stderr
        assert "nothing else holds container held" in released.stdout
        assert holder.poll() is None                     # released, never killed
        assert "nothing holds" in bed.guardian("busy", "held").stdout
        bed.docker("rm", "held")
    finally:
        holder.kill()
        holder.wait()


MOUNT_BY_KERNEL_NAME = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
os.makedirs("/tmp/bydm", exist_ok=True)
if libc.mount(sys.argv[1].encode(), b"/tmp/bydm", b"xfs", 0, b"nouuid") != 0:
    sys.exit(os.strerror(ctypes.get_errno()))
with open("/proc/self/mountinfo") as handle:
    copies = [line.split()[4] for line in handle if sys.argv[2] in line or sys.argv[3] in line]
for path in reversed(copies):
    libc.umount2(path.encode(), 2)
os.execvp("sleep", ["sleep", "600"])
"""


def test_busy_finds_the_device_mounted_by_its_kernel_name_in_another_namespace(bed):
    """mount(2) itself, not mount(8), which would write /dev/mapper/NAME in the mount table; the
    namespace's copies of the container's own mounts are dropped, so only the name can tell."""
    bed.docker("run", "-d", "--name", "bydm", "--network", "none", IMAGE, "sleep", "600")
    device_name = bed.inspect("bydm")["GraphDriver"]["Data"]["DeviceName"]
    kernel_name = "/dev/dm-{}".format(os.minor(os.stat("/dev/mapper/" + device_name).st_rdev))
    holder = subprocess.Popen(["unshare", "--mount", "--propagation", "private", sys.executable, "-c",
                               MOUNT_BY_KERNEL_NAME, kernel_name, device_name.rsplit("-", 1)[-1],
                               bed.inspect("bydm")["Id"]])
    try:
        wait_for_mount(holder.pid, "/tmp/bydm")
        shown = bed.guardian("busy", "bydm")
        assert shown.returncode == 0, shown.stderr
        held = shown.stdout.split("\n" + os.readlink("/proc/{}/ns/mnt".format(holder.pid)))[1].split("\nmnt:")[0]
        assert "mount /tmp/bydm (xfs {})".format(kernel_name) in held and held.count("  mount ") == 1
        assert "pid {} sleep 600".format(holder.pid) in held
    finally:
        holder.kill()
        holder.wait()
        bed.docker("rm", "-f", "bydm")


def mount_point(bed, container):
    device_name = bed.inspect(container)["GraphDriver"]["Data"]["DeviceName"]
    return "{}/devicemapper/mnt/{}".format(bed.root, device_name.rsplit("-", 1)[-1])


def wait_for_mount(pid, path, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with open("/proc/{}/mountinfo".format(pid)) as handle:
            if " {} ".format(path) in handle.read():
                return
        time.sleep(0.2)
    raise AssertionError("pid {} never mounted {}".format(pid, path))


def test_busy_on_a_path_and_a_device(bed):
    bed.docker("run", "-d", "--name", "path", "--network", "none", IMAGE, "sleep", "600")
    data = bed.inspect("path")["GraphDriver"]["Data"]
    device = "/dev/mapper/" + data["DeviceName"]
    by_device = bed.guardian("busy", device)
    assert by_device.returncode == 0 and "[container path " in by_device.stdout
    where = mount_point(bed, "path")
    by_path = bed.guardian("busy", where)
    assert by_path.returncode == 0 and where in by_path.stdout
    bed.docker("rm", "-f", "path")
