"""Crash safety: a grow interrupted after any step, then recover(), leaves a working pool."""
import contextlib
import os
import signal
import subprocess
import threading
import time
from types import SimpleNamespace

import pytest

from guardian.act.base import DONE, FAILED, REFUSED
from guardian.act.grow import grow_parts
from guardian.act.grow_loop import STEPS, loop_grow_for
from guardian.act.recover import recover
from guardian.host.door import HostDoor
from tests.integration.actions_helpers import context, pool_config, suspended
from tests.integration.bedlib import out, sh

GIB = 1 << 30
CONFIG = "ladder:\n  grow:\n    enabled: {}\n    step: 50%\n    min_step: 256M\n"


def recover_now(pool, grow_enabled):
    ctx, observer = context(pool_config(pool, CONFIG.format(grow_enabled)), with_docker=False)
    result = recover(observer.snapshot(), ctx)
    print(result)
    return result


@pytest.mark.parametrize("steps_run", [1, 2, 3], ids=["after-truncate", "after-losetup", "after-reload"])
def test_grow_interrupted_after_each_step_is_finished_by_recover(make_thin_pool, steps_run):
    pool = make_thin_pool(data_size=GIB)
    ctx, observer = context(pool_config(pool, CONFIG.format("true")), with_docker=False)
    plan = loop_grow_for(observer.snapshot().pool, "data", ctx.settings)
    for step in STEPS[:steps_run]:
        step(ctx, plan)                       # ... and the guardian is killed here
    result = recover_now(pool, "true")
    assert result.outcome == DONE, result.summary
    assert not suspended(pool.name)
    assert "INACTIVE" not in out("dmsetup info " + pool.name)
    status = pool.status()
    assert (status["data_total_blocks"], status["mode"]) == (24576, "rw")
    assert int(out("blockdev --getsize64 " + pool.data_loop)) == os.stat(pool.data_file).st_size


def test_recover_resumes_a_suspended_pool(make_thin_pool):
    pool = make_thin_pool()
    sh("dmsetup suspend " + pool.name)
    result = recover_now(pool, "false")
    assert result.outcome == DONE and "resumed " + pool.name in result.summary
    assert not suspended(pool.name)


def test_recover_reports_a_larger_file_when_grow_is_disabled(make_thin_pool):
    pool = make_thin_pool(data_size=GIB)
    sh("truncate -s {} {}".format(2 * GIB, pool.data_file))
    result = recover_now(pool, "false")
    assert result.outcome == REFUSED
    assert "left as is: grow is disabled" in result.summary
    assert pool.status()["data_total_blocks"] == 16384
    assert os.stat(pool.data_file).st_size == 2 * GIB


def test_recover_of_a_sound_pool_does_nothing(make_thin_pool):
    pool = make_thin_pool()
    assert recover_now(pool, "true").summary == "pool {} is active and its files match its table".format(pool.name)


def test_a_pending_table_is_dropped_when_grow_is_disabled(make_thin_pool):
    """Killed after the reload, restarted with grow off: the loaded table is cleared (by ioctl),
    the pool keeps its old size and stays writable."""
    pool = make_thin_pool(data_size=GIB)
    ctx, observer = context(pool_config(pool, CONFIG.format("true")), with_docker=False)
    plan = loop_grow_for(observer.snapshot().pool, "data", ctx.settings)
    for step in STEPS[:3]:
        step(ctx, plan)
    assert "INACTIVE" in out("dmsetup info " + pool.name)
    result = recover_now(pool, "false")
    assert "dropped a pending table of the pool that was never resumed" in result.summary
    assert "INACTIVE" not in out("dmsetup info " + pool.name)
    status = pool.status()
    assert (status["data_total_blocks"], status["mode"]) == (16384, "rw")


@contextlib.contextmanager
def slow_lvm_pool(tmp_path):
    """A 256 MiB LVM thin pool, not monitored, whose PV sits on dm-delay: `slow(ms)` delays every
    read and write of it, so that an lvextend can be killed while LVM holds the pool suspended
    (its data LV already extended in the kernel, the VG metadata not yet committed). LVM's
    commands need LVM_SYSTEM_DIR=tmp_path (env)."""
    image, vg, slow = str(tmp_path / "pv"), "bedkill{}".format(os.getpid()), "bedslow{}".format(os.getpid())
    # LVM would see the PV twice, on the loop device and on the delay device over it
    with open(str(tmp_path / "lvm.conf"), "w") as handle:
        handle.write('devices {\n  global_filter = [ "r|^/dev/loop|" ]\n}\n')
    env = dict(os.environ, LVM_SYSTEM_DIR=str(tmp_path))
    sh("truncate -s 2G " + image)
    loop = out("losetup -f --show " + image)
    sectors = int(out("blockdev --getsz " + loop))
    delay = "0 {} delay {} 0 0 {} 0 {{}}".format(sectors, loop, loop)
    try:
        sh("dmsetup create {} --table '{}' && udevadm settle".format(slow, delay.format(0)))
        sh("pvcreate -q /dev/mapper/{0} && vgcreate -q {1} /dev/mapper/{0}".format(slow, vg), env=env)
        sh("lvcreate -q -y --type thin-pool --monitor n -Zn -L 256M -n thinpool {}".format(vg), env=env)
        sh("lvchange --monitor n {}/thinpool; udevadm settle".format(vg), env=env)
        name = [n for n in out("dmsetup ls --target thin-pool").split() if n.startswith(vg + "-")][0]
        yield SimpleNamespace(vg=vg, lv=vg + "/thinpool", name=name, env=env, slow=lambda ms: sh(
            "dmsetup reload {0} --table '{1}' && dmsetup resume {0}".format(slow, delay.format(ms))))
    finally:
        sh("dmsetup resume {} 2>/dev/null; vgremove -q -ff {}".format(slow, vg), check=False, env=env)
        sh("dmsetup remove {}; losetup -d {}".format(slow, loop), check=False)


def kill_when_suspended(pool, pid):
    """Kill lvextend's process group (as the host does at its timeout) once LVM has held the
    pool suspended for a second."""
    deadline = time.time() + 60
    while time.time() < deadline and not suspended(pool.name):
        time.sleep(0.05)
    assert suspended(pool.name), "lvextend never suspended the pool"
    time.sleep(1)
    os.killpg(pid, signal.SIGKILL)


def assert_sound(pool):
    """Nothing of the pool's stack suspended, and the pool no larger than LVM's metadata says."""
    assert not any(suspended(n) for n in out("dmsetup ls").split() if n.startswith(pool.vg + "-"))
    lvm_bytes = int(out("lvs --noheadings --units b --nosuffix -o lv_size " + pool.lv, env=pool.env))
    kernel_bytes = int(out("dmsetup table " + pool.name).split()[1]) * 512
    assert kernel_bytes == lvm_bytes
    assert out("dmsetup status " + pool.name).split()[7] == "rw"


def test_an_lvextend_killed_mid_suspend_leaves_a_pool_recover_makes_sound(tmp_path, monkeypatch):
    """recover() drops the pool's pending table, resumes the stack and has LVM reload the tables:
    the kernel's pool is the size LVM's metadata says, never more (before, the pending table was
    resumed: 512 MiB against LVM's 256)."""
    with slow_lvm_pool(tmp_path) as pool:
        monkeypatch.setenv("LVM_SYSTEM_DIR", str(tmp_path))
        pool.slow(3000)
        child = subprocess.Popen(["lvextend", "-l", "+64", pool.lv], env=pool.env, start_new_session=True)
        try:
            kill_when_suspended(pool, child.pid)
        finally:
            child.kill()
            child.wait()
        assert suspended(pool.name)
        pool.slow(0)
        result = recover_now(pool, "true")
        assert result.outcome == DONE, result.summary
        assert "lvchange --refresh" in result.summary
        assert_sound(pool)


class SlowingHost(HostDoor):
    """Makes the PV slow just as lvextend starts (not for the lvs before it)."""

    def __init__(self, pool, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pool = pool

    def run(self, argv, *args, **kwargs):
        if argv[0] == "lvextend":
            self.pool.slow(3000)
        return super().run(argv, *args, **kwargs)


def test_a_grow_whose_lvextend_is_killed_leaves_no_pool_suspended(tmp_path, monkeypatch):
    """The grow itself recovers at once after a failed lvextend, without waiting for a next look."""
    with slow_lvm_pool(tmp_path) as pool:
        monkeypatch.setenv("LVM_SYSTEM_DIR", str(tmp_path))
        ctx, observer = context(pool_config(pool, CONFIG.format("true")), with_docker=False)
        ctx = ctx._replace(host=SlowingHost(pool, ctx.log, timeout=60))

        def killer():
            deadline = time.time() + 60
            while time.time() < deadline:
                pids = out("pgrep -x lvextend", check=False).split()
                if pids:
                    kill_when_suspended(pool, int(pids[0]))
                    pool.slow(0)
                    return
                time.sleep(0.05)
        thread = threading.Thread(target=killer, daemon=True)
        thread.start()
        result = grow_parts(observer.snapshot(), ctx, ["data"])
        thread.join(60)
        print(result)
        assert result.outcome == FAILED, result.summary
        assert "then recover: " in result.summary and "lvchange --refresh" in result.summary
        assert_sound(pool)
