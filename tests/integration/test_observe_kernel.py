"""The daemon reads the kernel by ioctl (libdevmapper); it must see exactly what dmsetup prints."""
import os
import subprocess
import threading

from guardian.observe.dmsetup import parse_status, parse_table
from guardian.host.kernel import pool_lines_by_ioctl
from tests.integration.bedlib import SCRATCH, out, sh


def read_kernel_by_ioctl():
    status, table = pool_lines_by_ioctl()
    return parse_status(status), parse_table(table)


def test_ioctl_reading_matches_dmsetup_status_and_table(make_thin_pool):
    pools = [make_thin_pool(data_size=64 << 20), make_thin_pool(data_size=128 << 20, low_water_blocks=7)]
    pools[0].create_thin(32 << 20)
    statuses, tables = read_kernel_by_ioctl()
    assert statuses == parse_status(out("dmsetup status --target thin-pool"))
    assert tables == parse_table(out("dmsetup table --target thin-pool"))
    assert {p.name for p in pools} <= {s.name for s in statuses}


def test_a_look_at_a_pool_commits_nothing_so_it_never_waits_on_the_metadata_device():
    """`dmsetup status` without --noflush commits the pool's metadata first. With the metadata
    device suspended that commit waits; the daemon's look must come back all the same."""
    name = "bednoflush{}".format(os.getpid())
    data, meta = (os.path.join(SCRATCH, name + suffix) for suffix in (".data", ".meta"))
    sh("truncate -s 64M {} && truncate -s 16M {}".format(data, meta))
    data_loop, meta_loop = out("losetup -f --show " + data), out("losetup -f --show " + meta)
    sh("dd if=/dev/zero of={} bs=4096 count=1 conv=notrunc status=none".format(meta_loop))
    sh("dmsetup create {0}-meta --table '0 32768 linear {1} 0'".format(name, meta_loop))
    sh("dmsetup create {0} --table '0 131072 thin-pool /dev/mapper/{0}-meta {1} 128 0 0'".format(name, data_loop))
    sh("dmsetup message {} 0 'create_thin 0'; sleep 2".format(name))     # changed once; committed since
    committing, looks, look_returned, commit_waited = None, [], False, False
    try:
        sh("dmsetup suspend {}-meta".format(name))
        looking = threading.Thread(target=lambda: looks.append(read_kernel_by_ioctl()), daemon=True)
        looking.start()
        looking.join(20)
        look_returned = not looking.is_alive()      # before the resume lets a waiting one go on
        committing = subprocess.Popen(["dmsetup", "status", name], stdout=subprocess.DEVNULL)
        try:
            committing.wait(5)
        except subprocess.TimeoutExpired:
            pass
        commit_waited = committing.returncode is None
    finally:
        sh("dmsetup resume {}-meta".format(name))
        if committing:
            committing.wait(60)
        sh("dmsetup remove {0}; dmsetup remove {0}-meta; losetup -d {1} {2}; rm -f {3} {4}".format(
            name, data_loop, meta_loop, data, meta), check=False)
    assert look_returned, "the look waited on the suspended metadata device"
    assert name in {s.name for s in looks[0][0]}
    assert commit_waited, "a committing status did not wait either: this test cannot tell"


def test_the_backing_filesystem_is_read_by_device_when_the_loop_files_path_is_another_namespaces():
    """dockerd under MountFlags=slave opens its loop files through a bind mount of its data root in
    its own namespace; from ours sysfs names the file from that bind's root, a path that is not
    here. The kernel's device of the file still finds its filesystem (the soak's dockerd-down case)."""
    from guardian.host.kernel import loop_backing_file
    from guardian.observe.observer import read_backing, read_backing_by_device
    from guardian.errors import SourceUnavailable
    root = os.path.join(SCRATCH, "nsroot{}".format(os.getpid()))
    os.makedirs(os.path.join(root, "devicemapper", "devicemapper"))
    data = os.path.join(root, "devicemapper", "devicemapper", "data")
    sh("truncate -s 64M " + data)
    loop = out("unshare --mount --propagation private sh -c 'mount --bind {0} {0} && losetup -f --show {1}'".format(
        root, data))
    try:
        dev = open("/sys/block/{}/dev".format(os.path.basename(loop))).read().strip()
        named = loop_backing_file(dev)
        assert named == "/devicemapper/devicemapper/data", named
        try:
            read_backing(named, None)
            raise AssertionError("{} was readable here".format(named))
        except SourceUnavailable:
            pass
        backing = read_backing_by_device(dev, named)
        fs = os.statvfs(SCRATCH)
        assert backing.directory == SCRATCH and backing.total_bytes == fs.f_blocks * fs.f_frsize
        assert abs(backing.free_bytes - fs.f_bavail * fs.f_frsize) < 64 << 20 and backing.data_file is None
    finally:
        sh("losetup -d " + loop, check=False)
        sh("rm -rf " + root, check=False)
