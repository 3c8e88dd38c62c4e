"""Crash safety: a grow interrupted after any step, then recover(), leaves a working pool."""
import os
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from guardian.act.base import DONE, REFUSED
from guardian.act.grow_loop import STEPS, plan_loop_grow
from guardian.act.recover import recover
from guardian.host.lvm_library import LOG_DIR_PREFIX
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
    plan = plan_loop_grow(observer.snapshot().pool, "data", ctx.settings)
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
    plan = plan_loop_grow(observer.snapshot().pool, "data", ctx.settings)
    for step in STEPS[:3]:
        step(ctx, plan)
    assert "INACTIVE" in out("dmsetup info " + pool.name)
    result = recover_now(pool, "false")
    assert "dropped a pending table of the pool that was never resumed" in result.summary
    assert "INACTIVE" not in out("dmsetup info " + pool.name)
    status = pool.status()
    assert (status["data_total_blocks"], status["mode"]) == (16384, "rw")


IN_PROCESS = """
from guardian.host.runner import Runner
from guardian.report.log import configure_logging
Runner(configure_logging("info", "console"), lvm_in_process=True).run({!r})
"""


def test_a_daemon_killed_inside_an_in_process_lvextend_leaves_a_pool_recover_makes_sound(tmp_path):
    """The pool's PV sits on dm-delay: LVM's metadata writes take 3 s, so the process running
    lvextend in-process can be killed while LVM holds the pool suspended (its data LV already
    extended in the kernel, the VG metadata not yet committed). recover() drops the pool's pending
    table, resumes the stack and has LVM reload the tables: the kernel's pool is the size LVM's
    metadata says, never more (before, the pending table was resumed: 512 MiB against LVM's 256)."""
    image, vg, slow = str(tmp_path / "pv"), "bedkill{}".format(os.getpid()), "bedslow{}".format(os.getpid())
    # LVM would see the PV twice, on the loop device and on the delay device over it
    with open(str(tmp_path / "lvm.conf"), "w") as handle:
        handle.write('devices {\n  global_filter = [ "r|^/dev/loop|" ]\n}\n')
    env = dict(os.environ, LVM_SYSTEM_DIR=str(tmp_path))
    sh("truncate -s 2G " + image)
    loop = out("losetup -f --show " + image)
    sectors = int(out("blockdev --getsz " + loop))
    delay = "0 {} delay {} 0 0 {} 0 {{}}".format(sectors, loop, loop)
    child = None
    try:
        sh("dmsetup create {} --table '{}' && udevadm settle".format(slow, delay.format(0)))
        sh("pvcreate -q /dev/mapper/{0} && vgcreate -q {1} /dev/mapper/{0}".format(slow, vg), env=env)
        sh("lvcreate -q -y --type thin-pool --monitor n -Zn -L 256M -n thinpool {}".format(vg), env=env)
        sh("lvchange --monitor n {}/thinpool; udevadm settle".format(vg), env=env)
        pool_name = [n for n in out("dmsetup ls --target thin-pool").split() if n.startswith(vg + "-")][0]
        sh("dmsetup reload {0} --table '{1}' && dmsetup resume {0}".format(slow, delay.format(3000)))
        child = subprocess.Popen([sys.executable, "-c", IN_PROCESS.format(["lvextend", "-l", "+64", vg + "/thinpool"])],
                                 cwd=os.getcwd(), env=env, start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline and not suspended(pool_name):
            time.sleep(0.05)
        assert suspended(pool_name), "lvextend never suspended the pool"
        time.sleep(1)
        child.kill()            # the daemon's watchdog, mid-lvextend
        child.wait()
        assert suspended(pool_name)
        left = "/run/{}{}".format(LOG_DIR_PREFIX, child.pid)
        assert os.path.isdir(left)      # no exit handler ran
        sh("dmsetup reload {0} --table '{1}' && dmsetup resume {0}".format(slow, delay.format(0)))
        result = recover_now(SimpleNamespace(name=pool_name), "true")
        assert result.outcome == DONE, result.summary
        stack = out("dmsetup ls").split()
        assert not any(suspended(n) for n in stack if n.startswith(vg + "-"))
        lvm_bytes = int(out("lvs --noheadings --units b --nosuffix -o lv_size {}/thinpool".format(vg), env=env))
        kernel_bytes = int(out("dmsetup table " + pool_name).split()[1]) * 512
        assert kernel_bytes == lvm_bytes         # never more than LVM's metadata gives it
        assert "lvchange --refresh" in result.summary
        # the next process that loads the library removes the killed one's log directory
        subprocess.run([sys.executable, "-c", IN_PROCESS.format(["lvs", vg])], env=env, check=True)
        assert not os.path.exists(left)
        assert out("dmsetup status " + pool_name).split()[7] == "rw"
    finally:
        if child and child.poll() is None:
            child.kill()
        sh("dmsetup resume {} 2>/dev/null; vgremove -q -ff {}".format(slow, vg), check=False, env=env)
        sh("dmsetup remove {}; losetup -d {}".format(slow, loop), check=False)
