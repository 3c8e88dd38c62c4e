"""Metadata headroom on the real kernel (issue 31 section 2): a loop-lvm pool whose snapshots make
metadata the part that runs out first gets its metadata grown ahead of the fill by the grow rung,
through its metadata file and a table reload, and keeps filling; at its maximum that is no alarm.
That a grown metadata file is taken by a reload at all is test_actions_grow.py's
test_grow_loop_pool_metadata; where the projection meets a measured run-out is bench/metadata_fill.py."""
import os

from guardian.act.base import DONE, NOTHING_TO_DO
from guardian.act.grow import grow
from guardian.decide.growth import parts_to_grow
from tests.integration.actions_helpers import context, pool_config, suspended
from tests.integration.bedlib.sharing import LayeredFill

MIB = 1 << 20
GROW = "ladder:\n  grow:\n    enabled: true\n    min_step: 64M\n    reserve: 10%\n"


def layered_pool(make_thin_pool):
    """512 MiB of data, 1 MiB of metadata, one round of image, layers and containers (~19% data):
    ~3 metadata blocks per 100 data blocks (bench/RESULTS.md), so the projection passes the 70% mark
    at ~60% data and metadata runs out at ~90%."""
    pool = make_thin_pool(data_size=512 * MIB, meta_size=MIB)
    fill = LayeredFill(pool)
    fill.round(0)
    return pool, fill


def test_grow_grows_metadata_ahead_of_the_fill_through_its_file_and_the_pool_keeps_filling(make_thin_pool):
    pool, fill = layered_pool(make_thin_pool)
    ctx, observer = context(pool_config(pool, GROW), with_docker=False)
    look = observer.snapshot()
    print(fill.samples[-1])
    assert [(p.part, p.ahead) for p in parts_to_grow(look.pool, ctx.settings)] == [("metadata", True)]
    result = grow(look, ctx)
    assert result.outcome == DONE, result.summary
    assert result.summary.startswith("grew metadata 1 MiB -> 65 MiB of " + pool.name)
    status = pool.status()
    assert (status["metadata_total_blocks"] * 4096, status["mode"]) == (os.stat(pool.meta_file).st_size, "rw")
    assert os.stat(pool.meta_file).st_size == 65 * MIB and not suspended(pool.name)
    fill.round(1)
    assert fill.samples[-1]["mode"] == "rw"


def test_metadata_ahead_of_the_fill_at_its_maximum_is_nothing_to_do_not_a_critical_refusal(make_thin_pool):
    pool, _ = layered_pool(make_thin_pool)
    ctx, observer = context(pool_config(pool, GROW + "    max_metadata_size: 1M\n"), with_docker=False)
    result = grow(observer.snapshot(), ctx)
    assert (result.outcome, result.critical) == (NOTHING_TO_DO, False), result
    assert result.summary.startswith("not growing ahead of the fill: not growing metadata of " + pool.name)
    assert os.stat(pool.meta_file).st_size == MIB
