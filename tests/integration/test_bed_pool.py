"""The kernel behaviours pool-guardian relies on, seen on a real dm-thin pool in the guest."""
import os

from tests.integration.bedlib import dmesg_mark, dmesg_since, out, sh
from tests.integration.bedlib.pools import wait_for_event


def test_grow_a_loop_backed_pool_and_the_kernel_logs_it(make_thin_pool):
    pool = make_thin_pool(data_size=128 << 20)
    before = pool.status()
    assert before["data_total_blocks"] == (128 << 20) // pool.block_bytes
    mark = dmesg_mark()
    pool.grow_data(256 << 20)
    after = pool.status()
    assert after["data_total_blocks"] == 2 * before["data_total_blocks"]
    assert after["mode"] == "rw"
    wanted = "growing the data device from {} to {} blocks".format(before["data_total_blocks"],
                                                                  after["data_total_blocks"])
    assert any(wanted in line for line in dmesg_since(mark)), "kernel log has no '{}'".format(wanted)


def test_low_water_mark_crossing_wakes_dmsetup_wait(make_thin_pool):
    # 256 MiB of 64 KiB blocks = 4096 blocks; the event fires when free blocks fall to 3000.
    pool = make_thin_pool(data_size=256 << 20, low_water_blocks=3000)
    thin = pool.create_thin(200 << 20)
    events = pool.event_nr()
    waiter = wait_for_event(pool, events)
    try:
        sh("dd if=/dev/zero of={} bs=1M count=100 oflag=direct status=none".format(thin.path))
        waiter.wait(timeout=30)
    finally:
        if waiter.poll() is None:
            waiter.kill()
            waiter.wait()
    assert waiter.returncode == 0, waiter.stdout.read()
    assert pool.event_nr() > events
    assert pool.status()["data_used_blocks"] >= 1600


def test_fstrim_on_thin_xfs_returns_blocks_to_the_pool(make_thin_pool, tmp_path):
    pool = make_thin_pool(data_size=512 << 20)
    thin = pool.create_thin(400 << 20)
    mnt = thin.mkfs_and_mount(str(tmp_path / "mnt"))
    sh("dd if=/dev/zero of={}/file bs=1M count=128 conv=fsync status=none".format(mnt))
    written = pool.status()["data_used_blocks"]
    os.unlink(os.path.join(mnt, "file"))
    sh("sync")
    assert pool.status()["data_used_blocks"] >= written - 16, "blocks came back without fstrim"
    trimmed = out("fstrim -v " + mnt)
    freed = written - pool.status()["data_used_blocks"]
    assert freed * pool.block_bytes >= 120 << 20, "fstrim ({}) gave back only {} blocks".format(trimmed, freed)


def test_error_if_no_space_fails_writes_and_a_grow_makes_the_pool_rw(make_thin_pool):
    pool = make_thin_pool(data_size=64 << 20, error_if_no_space=True)
    thin = pool.create_thin(256 << 20)
    failed = sh("dd if=/dev/zero of={} bs=1M count=100 oflag=direct status=none".format(thin.path), check=False)
    assert failed.returncode != 0
    assert pool.status()["mode"] == "out_of_data_space"
    pool.grow_data(256 << 20)
    assert pool.status()["mode"] == "rw"
    sh("dd if=/dev/zero of={} bs=1M count=100 oflag=direct status=none".format(thin.path))
