"""rescue mount/umount on a real Docker devicemapper pool: the full-container story, end to end."""
import os

import pytest

from tests.integration.tools_helpers import IMAGE, docker_bed, run

# An app that writes a file each time it starts (pid, lock, log: most do) and, on its first run,
# fills its filesystem to the last block and inode, as a runaway log does. runc 1.1 writes nothing
# into the rootfs when starting (the old runc of CentOS 7's docker 1.13 made a pivot_root directory
# there, hence "can't create pivot_root dir ... no space left on device"), so the app's own write
# is what makes `docker start` fail here.
APP = ("mkdir -p /flood && touch /flood/started-$RANDOM$RANDOM || exit 1; [ -e /filled-once ] && exit 0; "
       "touch /filled-once; dd if=/dev/zero of=/fill bs=1M 2>/dev/null; "
       "cd /flood && seq 1 200000 | xargs mkdir 2>/dev/null; exit 0")


@pytest.fixture(scope="module")
def bed():
    with docker_bed() as bed:
        yield bed


def rescue_dir(bed, container):
    return os.path.join("/run/pool-guardian/rescue", bed.inspect(container)["Id"][:12])


def test_full_container_is_rescued_then_starts(bed):
    bed.docker("run", "--name", "full", "--network", "none", IMAGE, "sh", "-c", APP, timeout=900)
    broken = bed.docker("start", "-a", "full", check=False)
    assert broken.returncode != 0 and "No space left on device" in broken.stderr, broken.stderr

    mounted = bed.guardian("rescue", "mount", "full")
    assert mounted.returncode == 0, mounted.stderr
    assert "read-only" in mounted.stdout
    where = rescue_dir(bed, "full")
    assert os.path.isfile(os.path.join(where, "rootfs", "fill"))
    write = run("touch", os.path.join(where, "rootfs", "x"), check=False)
    assert write.returncode != 0 and "Read-only file system" in write.stderr

    again = bed.guardian("rescue", "mount", "full")
    assert again.returncode == 1 and "already rescue-mounted at " + where in again.stderr
    assert bed.guardian("rescue", "umount", "full").returncode == 0

    assert bed.guardian("rescue", "mount", "full", "--rw").returncode == 0
    os.unlink(os.path.join(where, "rootfs", "fill"))
    unmounted = bed.guardian("rescue", "umount", "full")
    assert unmounted.returncode == 0, unmounted.stderr
    assert not os.path.exists(where)
    assert run("dmsetup", "info", "pool-guardian-rescue-" + bed.inspect("full")["Id"][:12], check=False).returncode != 0

    started = bed.docker("start", "-a", "full", check=False)
    assert started.returncode == 0, started.stderr


def test_rescue_refuses_a_running_container(bed):
    bed.docker("run", "-d", "--name", "running", "--network", "none", IMAGE, "sleep", "600")
    refused = bed.guardian("rescue", "mount", "running")
    assert refused.returncode == 1
    assert "is running" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    bed.docker("rm", "-f", "running")


def test_rescue_refuses_a_device_active_and_mounted_elsewhere_and_says_where(bed, tmp_path):
    bed.docker("create", "--name", "elsewhere", "--network", "none", IMAGE, "true")
    data = bed.inspect("elsewhere")["GraphDriver"]["Data"]
    table = "0 {} thin /dev/mapper/{} {}".format(int(data["DeviceSize"]) // 512, bed.pool, data["DeviceId"])
    run("dmsetup", "create", "someone-else", "--table", table)
    run("mount", "-o", "ro,nouuid,norecovery", "/dev/mapper/someone-else", str(tmp_path))
    try:
        refused = bed.guardian("rescue", "mount", "elsewhere")
        assert refused.returncode == 1
        assert "active as someone-else" in refused.stderr and str(tmp_path) in refused.stderr
    finally:
        run("umount", str(tmp_path))
        run("dmsetup", "remove", "someone-else")


def test_rescue_works_from_dockers_files_while_dockerd_is_down(bed):
    bed.docker("run", "--name", "offline", "--network", "none", IMAGE, "sh", "-c", "echo kept > /note")
    where = rescue_dir(bed, "offline")
    bed.stop_dockerd()
    try:
        mounted = bed.guardian("rescue", "mount", "offline")
        assert mounted.returncode == 0, mounted.stderr
        with open(os.path.join(where, "rootfs", "note")) as handle:
            assert handle.read() == "kept\n"
        assert bed.guardian("rescue", "umount", "offline").returncode == 0
    finally:
        bed.start_dockerd()
    assert bed.docker("start", "offline", check=False).returncode == 0
