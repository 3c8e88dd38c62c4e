"""Crash safety: a grow interrupted after any step, then recover(), leaves a working pool."""
import os

import pytest

from guardian.act.base import DONE, REFUSED
from guardian.act.grow_loop import STEPS, plan_loop_grow
from guardian.act.recover import recover
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
