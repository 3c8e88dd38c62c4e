"""`pool-guardian run` on a real dm-thin pool: woken by the kernel's event, by udev, and surviving
the pool going away and coming back (what dockerd does when it restarts)."""
import os
import re
import signal
import subprocess
import time

from tests.integration.bedlib import SCRATCH, out, sh
from tests.integration.bedlib.guardian import BARE_POOL_CONFIG
from tests.integration.bedlib.pools import wait_until

pytest_plugins = ("tests.integration.actions_helpers",)   # small_fs

CONFIG = "mode: observe\n" + BARE_POOL_CONFIG + """\
events:
  arm_low_water_mark: "yes"
schedule:
  poll_interval: 1h          # the poll must not be what notices: only events may
log:
  target: console
"""
MiB = 1 << 20


def table_low_water_mark(pool):
    return int(out("dmsetup table " + pool.name).split()[6])


def log_lines(daemon):
    with open(daemon.log_path) as f:
        return f.read().splitlines()


def wait_for_line(daemon, pattern, after=0, timeout=30, interval=0.02):
    """The first log line after line `after` matching pattern, and when the test saw it."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for line in log_lines(daemon)[after:]:
            if re.search(pattern, line):
                return line, time.time()
        time.sleep(interval)
    raise AssertionError("no log line matching {!r} within {} s:\n{}".format(
        pattern, timeout, "\n".join(log_lines(daemon)[-30:])))


def write(thin, offset_mib, size_mib):
    sh("dd if=/dev/zero of={} bs=1M seek={} count={} oflag=direct status=none".format(
        thin.path, offset_mib, size_mib))


def start_watching(make_thin_pool, guardian, **pool_args):
    pool = make_thin_pool(data_size=256 * MiB, **pool_args)
    thin = pool.create_thin(250 * MiB)
    guardian.write_config(CONFIG.format(pool=pool.name))
    daemon = guardian.start_daemon()
    # 4096 blocks of 64 KiB and a data high mark of 80%: the armed mark is 820 free blocks
    assert wait_until(lambda: table_low_water_mark(pool) == 820, timeout=60), log_lines(daemon)
    return pool, thin, daemon


def test_low_water_mark_crossing_wakes_the_daemon_within_a_second(make_thin_pool, guardian):
    pool, thin, daemon = start_watching(make_thin_pool, guardian)
    write(thin, 0, 204)                       # 3264 of 4096 blocks: 12 short of the mark
    time.sleep(1)
    seen = len(log_lines(daemon))
    started = time.time()
    write(thin, 204, 1)                       # 3280 blocks: under 820 free, the mark is crossed
    line, at = wait_for_line(daemon, r"pool\.level_changed .*woken_by=dm-event", after=seen)
    assert "pool_level=high" in line
    latency = at - started
    print("low water mark crossing -> first journal entry: {:.2f} s".format(latency))
    assert latency <= 1.0, line


def test_the_daemon_never_holds_up_the_pool_removal_and_rearms_a_recreated_pool(make_thin_pool, guardian):
    pool, thin, daemon = start_watching(make_thin_pool, guardian)
    name = pool.name
    for thin_device in pool.thins:
        thin_device.destroy()
    pool.thins = []
    time.sleep(1)                             # the watcher is now blocked in DM_DEV_WAIT on the pool
    started = time.time()
    sh("dmsetup remove " + name)              # no --retry: a holder would make this fail with EBUSY
    removal = time.time() - started
    assert sh("dmsetup info " + name, check=False).returncode != 0
    assert removal < 5, "removing the watched pool took {:.1f} s".format(removal)
    pool.destroy()
    again = make_thin_pool(data_size=256 * MiB, name=name)
    # udev's add event wakes the daemon, which finds the new pool and arms it
    assert wait_until(lambda: table_low_water_mark(again) == 820, timeout=30), log_lines(daemon)
    thin = again.create_thin(250 * MiB)
    seen = len(log_lines(daemon))
    write(thin, 0, 210)
    wait_for_line(daemon, r"pool\.level_changed .*woken_by=.*dm-event", after=seen)
    assert daemon.poll() is None


# Only grow on the ladder: the rungs enabled by default are turned off too, or the file is refused.
GROW_ONLY = """\
ladder:
  order: [grow]
  prune_containers:
    enabled: false
  fstrim:
    enabled: false
  grow:
    enabled: true
"""
REFUSING = CONFIG.replace("mode: observe", "mode: enforce") + GROW_ONLY + "    min_step: 256M\n    reserve: 10%\n"


def test_too_little_room_underneath_grow_is_refused_and_the_alert_is_critical(small_fs, make_thin_pool, guardian):
    directory = small_fs(1024 * MiB)
    sh("fallocate -l 400M {}/other-data".format(directory))     # what else lives on that filesystem
    pool = make_thin_pool(directory=directory, data_size=256 * MiB)
    # at 215 MiB used, a 256 MiB step promises ~313 MiB more; with the 102 MiB reserve that is
    # more than the ~370 MiB left
    thin = pool.create_thin(250 * MiB)
    guardian.write_config(REFUSING.format(pool=pool.name))
    daemon = guardian.start_daemon()
    wait_for_line(daemon, r"daemon\.ready", timeout=60)
    write(thin, 0, 215)                       # above the 80% high mark: the dm event wakes the ladder
    line, _ = wait_for_line(daemon, r"CRITICAL action\.failed", timeout=60)
    assert "not growing data of {}".format(pool.name) in line
    assert "refusing to promise space that is not there" in line
    assert pool.status()["data_total_blocks"] == 4096 and pool.status()["mode"] == "rw"


def test_after_lvextend_the_daemon_arms_the_low_water_mark_again(lvm_thin_pool, guardian):
    """lvextend loads LVM's own table, with LVM's low water mark: the next crossing would go
    unheard until the poll, so the daemon arms it again right after the grow."""
    vg = lvm_thin_pool.vg
    sh("lvcreate -q -y -V 900M -T {}/thinpool -n thin && udevadm settle".format(vg))
    name = [n for n in out("dmsetup ls --target thin-pool").split() if n.startswith(vg + "-")][0]
    guardian.write_config(CONFIG.replace("mode: observe", "mode: enforce").format(pool=name) +
                          GROW_ONLY + "    min_step: 256M\n")
    daemon = guardian.start_daemon()
    wait_for_line(daemon, r"daemon\.ready", timeout=60)

    def armed():
        total = int(out("dmsetup status " + name).split()[5].split("/")[1])
        return out("dmsetup table " + name).split()[6] == str(-(-total * 20 // 100))
    assert wait_until(armed, timeout=60), log_lines(daemon)
    sh("dd if=/dev/zero of=/dev/mapper/{}-thin bs=1M count=840 oflag=direct status=none".format(vg))
    line, _ = wait_for_line(daemon, r"action\.finished grew data 1 GiB -> ", timeout=120)
    assert wait_until(armed, timeout=30), (line, out("dmsetup table " + name), log_lines(daemon)[-10:])


def test_a_pool_out_of_data_space_is_grown_and_its_queued_writes_complete(make_thin_pool, guardian):
    """xfs on a thin device, as Docker has it: its queued writes and log flushes must not hold up
    the resume that gives the pool room (a flushing suspend waits for them until the kernel's
    no_space_timeout fails them, 60 s)."""
    pool = make_thin_pool(data_size=256 * MiB)
    thin = pool.create_thin(400 * MiB)
    mnt = os.path.join(SCRATCH, pool.name + "-mnt")
    sh("mkfs.xfs -q -f {0} && mkdir -p {1} && mount {0} {1}".format(thin.path, mnt))
    writer = subprocess.Popen(["dd", "if=/dev/zero", "of=" + mnt + "/fill", "bs=1M", "count=300", "conv=fsync",
                               "status=none"])
    try:
        assert wait_until(lambda: pool.status()["mode"] == "out_of_data_space", timeout=60)
        guardian.write_config(CONFIG.replace("mode: observe", "mode: enforce").format(pool=pool.name) +
                              GROW_ONLY + "    min_step: 256M\n")
        daemon = guardian.start_daemon()
        assert writer.wait(timeout=50) == 0, log_lines(daemon)    # the kernel queues for 60 s
    finally:
        if writer.poll() is None:
            writer.kill()
        sh("umount {}".format(mnt), check=False)
    status = pool.status()
    assert status["mode"] == "rw" and status["data_total_blocks"] > 4096
    wait_for_line(daemon, r"decision\.made the pool is out of data space: writes are queued or failing; remediating")


def test_a_grow_that_had_to_cool_down_runs_when_the_cooldown_ends_not_at_the_next_poll(make_thin_pool, guardian):
    """The second crossing comes while grow cools down; its event has fired and the poll is an
    hour away: only the daemon's own wake-up at the end of the cooldown can grow the pool."""
    pool = make_thin_pool(data_size=256 * MiB)
    thin = pool.create_thin(900 * MiB)
    guardian.write_config(CONFIG.replace("mode: observe", "mode: enforce").format(pool=pool.name) +
                          GROW_ONLY + "    cooldown: 20s\n"
                          "    step: 20%\n    min_step: 64M\n    absorb: 0s\n")
    daemon = guardian.start_daemon()
    assert wait_until(lambda: table_low_water_mark(pool) == 820, timeout=60), log_lines(daemon)
    write(thin, 0, 215)                       # 84% of 256 MiB: the event, and a grow to 320 MiB
    wait_for_line(daemon, r"action\.finished grew data 256 MiB -> 320 MiB", timeout=60)
    first = time.time()
    write(thin, 215, 50)                      # 83% of 320 MiB, within the 20 s cooldown (a 50 MiB
                                              # write and a plan can take over 10 s under TCG)
    planned = guardian.cli("plan").stdout     # from the command line, with the daemon's memory
    assert "memory: the running daemon's (pid " in planned and "skip grow: cooling down for " in planned
    _, at = wait_for_line(daemon, r"action\.finished grew data 320 MiB -> ", timeout=60)
    assert at - first >= 18, "grew again before the cooldown ended"
    guardian.stop_daemons()                   # SIGTERM: the file stays for the next daemon, not for plan
    assert "is no longer running" in guardian.cli("plan").stdout


def test_a_reload_rebuilds_the_logger_so_a_new_log_level_takes_effect(make_thin_pool, guardian):
    pool = make_thin_pool(data_size=64 * MiB)
    config = "mode: observe\n" + BARE_POOL_CONFIG + "schedule:\n  poll_interval: 1h\nlog:\n  target: console\n"
    guardian.write_config(config.format(pool=pool.name))
    daemon = guardian.start_daemon()
    wait_for_line(daemon, r"daemon\.ready", timeout=60)
    assert not any("pool.observed" in line for line in log_lines(daemon))      # info: no debug lines
    guardian.write_config(config.format(pool=pool.name).replace("target: console", "target: console\n  level: debug"))
    after = len(log_lines(daemon))
    daemon.send_signal(signal.SIGHUP)
    wait_for_line(daemon, r"config\.loaded", after=after)
    wait_for_line(daemon, r"pool\.observed", after=after)       # the look after the reload, at debug
