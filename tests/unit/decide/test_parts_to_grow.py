"""What grow grows: data above its high mark, and data under it when the fill is about to reach
Docker's floor (the brake the race chose); pools from a real RHEL 7 status line (100 GiB, floor 10%)."""
from guardian.decide.growth import describe_parts, metadata_ahead, parts_to_grow
from guardian.observe.dmsetup import parse_status
from tests.unit.conftest import pool_snapshot

MiB = 1 << 20


def grown(pool, settings, fill_rate=0.0):
    return [p.part for p in parts_to_grow(pool, settings, fill_rate)]


def test_data_above_its_high_mark_grows(settings):
    assert grown(pool_snapshot(81.0).pool, settings()) == ["data"]
    assert grown(pool_snapshot(70.0).pool, settings()) == []


def test_data_under_its_high_mark_grows_when_the_fill_reaches_dockers_floor_within_two_minutes(settings):
    pool = pool_snapshot(70.0).pool                      # 20 GiB above the floor
    assert grown(pool, settings(), fill_rate=200 * MiB) == ["data"]     # ~102 s
    assert grown(pool, settings(), fill_rate=100 * MiB) == []           # ~205 s


def test_metadata_above_its_high_mark_grows(settings):
    assert grown(pool_snapshot(10.0, 71.0).pool, settings()) == ["metadata"]


def test_each_part_says_why_it_grows_and_plan_shows_it(settings):
    assert describe_parts(parts_to_grow(pool_snapshot(81.0).pool, settings())) == \
        "data (81.0% is above its high mark)"
    assert describe_parts(parts_to_grow(pool_snapshot(70.0).pool, settings(), fill_rate=200 * MiB)) == \
        "data (Docker's floor in ~102 s at this fill rate (the brake: within 120 s))"
    assert describe_parts(()) == ("neither data nor metadata is above its high mark, and the fill is not about "
                                  "to reach Docker's floor")


def test_data_grown_ahead_of_the_fill_is_marked_so_a_limit_that_stops_it_is_no_alarm(settings):
    """The replay of 2026-12-07: a grow refused at max_data_size at 45.7% used was logged CRITICAL."""
    ahead = parts_to_grow(pool_snapshot(70.0).pool, settings(), fill_rate=200 * MiB)
    above = parts_to_grow(pool_snapshot(81.0).pool, settings())
    assert [p.ahead for p in ahead] == [True] and [p.ahead for p in above] == [False]


def test_metadata_grows_ahead_when_the_projection_passes_its_high_mark_before_data_is_full(settings):
    """At 10% data, 8% metadata projects to ~73% when data is full (past the 70% mark), with the
    kernel's reserve (16 MiB here) taken out: grown ahead; 5% projects to ~46%: not."""
    ahead = parts_to_grow(pool_snapshot(10.0, 8.0).pool, settings())
    assert [(p.part, p.ahead) for p in ahead] == [("metadata", True)]
    assert ahead[0].why == "projected past its high mark at ~96% data (23.0 metadata blocks per 100 data blocks)"
    assert grown(pool_snapshot(10.0, 5.0).pool, settings()) == []


def test_metadata_is_not_grown_ahead_when_grow_metadata_is_off_or_too_little_data_is_mapped(settings):
    assert grown(pool_snapshot(10.0, 8.0).pool, settings("ladder:\n  grow:\n    metadata: false\n")) == []
    assert grown(pool_snapshot(4.0, 8.0).pool, settings()) == []


def test_data_above_its_mark_grows_with_metadata_ahead_of_its_own(settings):
    assert [(p.part, p.ahead) for p in parts_to_grow(pool_snapshot(81.0, 60.0).pool, settings())] == [
        ("data", False), ("metadata", True)]


def test_metadata_grown_ahead_is_not_asked_for_again_by_the_reserve_of_its_new_size(settings):
    """The bench's first run grew 1.1 MiB of metadata to 321 MiB in five grows: counted as use, the
    reserve (a tenth of the device) grew with each. These are the counts a 6.1 kernel gives just
    after growing that pool to 65 MiB (reserve 1664 blocks), one layer later (constructed)."""
    status = parse_status("mdahead: 0 2097152 thin-pool 9 1687/16640 1152/16384 - rw discard_passdown "
                          "queue_if_no_space - 1024")[0]
    assert metadata_ahead(status, settings().watermarks.metadata) == ()
