"""A loop-lvm grow killed after each of its steps, then the next pool-guardian process (the daemon's
start, an operator's one-shot command) finds the pool: it is active, writable, and the data a
container wrote is the same, byte for byte. Also a grow killed for real: `pool-guardian grow`
SIGKILLed while the file is being enlarged.

A loop-lvm grow never holds the pool suspended across two commands (the table swap is one resume),
so the states a kill can leave are: file enlarged; loop device refreshed; new table loaded, not
resumed. Each is made with the grow's own steps (guardian.act.grow_loop.STEPS), as a kill leaves it.
"""
import os
import signal
import subprocess

import pytest

from guardian.act.grow_loop import STEPS, loop_grow_for
from tests.integration.actions_helpers import context, pool_config, suspended
from tests.integration.bedlib import out, sh
from tests.integration.test_daemon import wait_for_line

MiB, GIB = 1 << 20, 1 << 30
GROW = "ladder:\n  grow:\n    enabled: {}\n    step: 50%\n    min_step: 256M\n"
DAEMON = """\
  docker_host: unix:///run/no-docker-here.sock
  docker_timeout: 1s
mode: enforce
events:
  arm_low_water_mark: "no"
log:
  target: console
""" + GROW
KILLED_AFTER = {1: "file enlarged", 2: "loop device refreshed", 3: "table loaded, not resumed"}
STEPS_KILLED = pytest.mark.parametrize("steps", sorted(KILLED_AFTER),
                                       ids=[KILLED_AFTER[k].replace(" ", "-") for k in sorted(KILLED_AFTER)])


def written(pool):
    """A thin volume with 32 MiB of random data; its checksum."""
    thin = pool.create_thin(64 * MiB)
    sh("dd if=/dev/urandom of={} bs=1M count=32 oflag=direct status=none".format(thin.path))
    return thin, checksum(thin)


def checksum(thin):
    return out("head -c {} {} | sha256sum".format(32 * MiB, thin.path)).split()[0]


def killed_after(pool, steps):
    ctx, observer = context(pool_config(pool, GROW.format("true")), with_docker=False)
    job = loop_grow_for(observer.snapshot().pool, "data", ctx.settings)
    for step in STEPS[:steps]:
        step(ctx, job)


def assert_sound(pool, thin, digest, data_blocks):
    assert not suspended(pool.name)
    assert "INACTIVE" not in out("dmsetup info " + pool.name)
    status = pool.status()
    assert (status["data_total_blocks"], status["mode"]) == (data_blocks, "rw")
    assert checksum(thin) == digest
    sh("dd if=/dev/zero of={} bs=1M seek=40 count=4 oflag=direct status=none".format(thin.path))   # writable


@STEPS_KILLED
def test_the_daemon_s_start_finishes_a_grow_killed_after_each_step(make_thin_pool, guardian, steps):
    pool = make_thin_pool(data_size=GIB)
    thin, digest = written(pool)
    killed_after(pool, steps)
    guardian.write_config(pool_config(pool, DAEMON.format("true")))
    daemon = guardian.start_daemon()
    wait_for_line(daemon, r"action\.finished .*rung=recover", timeout=60)
    assert_sound(pool, thin, digest, 24576)              # 1 GiB + 50%, in 64 KiB blocks
    assert int(out("blockdev --getsize64 " + pool.data_loop)) == os.stat(pool.data_file).st_size


@STEPS_KILLED
def test_with_grow_now_disabled_the_pool_keeps_its_size_and_its_data(make_thin_pool, guardian, steps):
    """The operator turned grow off before the restart: nothing more is grown, the pool is sound,
    and the one-shot command says what was left."""
    pool = make_thin_pool(data_size=GIB)
    thin, digest = written(pool)
    killed_after(pool, steps)
    guardian.write_config(pool_config(pool, GROW.format("false")))
    done = guardian.cli("trim", timeout=120)
    assert "recover: refused: " in done.stdout and "left as is: grow is disabled" in done.stdout, done.stdout
    assert_sound(pool, thin, digest, 16384)


def test_a_one_shot_grow_sigkilled_mid_way_is_put_right_by_the_next_command(make_thin_pool, guardian):
    """A real kill: `pool-guardian grow` stopped (SIGSTOP) as soon as the data file has grown, then
    SIGKILLed; the next one-shot command finishes what it began."""
    pool = make_thin_pool(data_size=GIB)
    thin, digest = written(pool)
    guardian.write_config(pool_config(pool, GROW.format("true")))
    proc = subprocess.Popen(guardian.argv(["grow"]), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    caught = False
    while proc.poll() is None:
        if os.stat(pool.data_file).st_size > GIB:
            os.killpg(proc.pid, signal.SIGSTOP)
            caught = True
            break
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    if not caught:
        pytest.skip("the grow finished before the watcher saw its file grow: no kill point reached")
    guardian.cli("trim", timeout=120)
    assert_sound(pool, thin, digest, 24576)
