"""What grow grows: data above its high mark, and data under it when the fill is about to reach
Docker's floor (the brake the race chose); pools from a real RHEL 7 status line (100 GiB, floor 10%)."""
from guardian.act.grow import parts_to_grow
from tests.unit.conftest import pool_snapshot

MiB = 1 << 20


def test_data_above_its_high_mark_grows(settings):
    assert parts_to_grow(pool_snapshot(81.0).pool, settings()) == ["data"]
    assert parts_to_grow(pool_snapshot(70.0).pool, settings()) == []


def test_data_under_its_high_mark_grows_when_the_fill_reaches_dockers_floor_within_two_minutes(settings):
    pool = pool_snapshot(70.0).pool                      # 20 GiB above the floor
    assert parts_to_grow(pool, settings(), fill_rate=200 * MiB) == ["data"]     # ~102 s
    assert parts_to_grow(pool, settings(), fill_rate=100 * MiB) == []           # ~205 s


def test_metadata_above_its_high_mark_grows(settings):
    assert parts_to_grow(pool_snapshot(10.0, 71.0).pool, settings()) == ["metadata"]
