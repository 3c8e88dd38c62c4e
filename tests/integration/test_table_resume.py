"""A resume the kernel refuses, for real: a thin-pool table shorter than the pool's data is loaded
(the load passes), and the resume fails in the target's preresume after the table swap, so the
bad table is live and the pool suspended. What act/table.py says afterwards is what the kernel
says; with the previous table line it puts the pool back as it was."""
import pytest

from guardian.act.table import load, resume, table_line
from guardian.errors import CommandError
from tests.integration.actions_helpers import context, pool_config, suspended
from tests.integration.bedlib import out, sh

MiB = 1 << 20


def refused_resume(make_thin_pool, previous):
    pool = make_thin_pool(data_size=256 * MiB)
    ctx, observer = context(pool_config(pool), with_docker=False)
    table = observer.snapshot().pool.table
    load(ctx, pool.name, table_line(table, length_sectors=table.length_sectors // 2))
    with pytest.raises(CommandError) as refused:
        resume(ctx, pool.name, table_line(table) if previous else None)
    return pool, table, str(refused.value)


def test_a_refused_resume_without_the_previous_table_says_the_pool_is_still_suspended(make_thin_pool):
    pool, table, message = refused_resume(make_thin_pool, previous=False)
    try:
        assert suspended(pool.name)
        assert "the fallback failed too" in message and "is still SUSPENDED" in message, message
        assert "restored" not in message
    finally:
        sh("dmsetup reload {} --table '{}' && dmsetup resume {}".format(pool.name, table_line(table), pool.name))


def test_a_refused_resume_loads_the_previous_table_and_the_pool_runs_as_before(make_thin_pool):
    pool, table, message = refused_resume(make_thin_pool, previous=True)
    assert not suspended(pool.name)
    assert "the previous table was loaded again and the device resumed" in message, message
    assert "is active with no table pending" in message
    assert int(out("dmsetup table " + pool.name).split()[1]) == table.length_sectors
    assert pool.status()["mode"] == "rw"
