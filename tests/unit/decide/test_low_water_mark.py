"""Where the pool's low water mark should be (at the data high mark), and when a climb must load
the table again so that the kernel's low-water event can fire a second time. Pools built from the
conftest's real CentOS 7 status line and that pool's table as `dmsetup table` shows it."""
import pytest

from guardian.decide.levels import free_blocks_at_high
from guardian.decide.low_water_mark import armed_by, mark_when_grown, needs_arming, needs_rearming, wanted_mark
from guardian.observe.dmsetup import parse_status, parse_table
from guardian.observe.snapshot import compose_snapshot
from tests.unit.conftest import LINE

# Docker's loop-lvm table (corpus dmsetup-table 001.txt's shape): its fixed mark of 32768 blocks.
TABLE = "docker-8:1-696417-pool: 0 209715200 thin-pool 7:1 7:0 128 {mark} 1 skip_block_zeroing"
TOTAL = 1638400


def pool(used_percent, mark=32768, total=TOTAL):
    status = LINE.format(data=int(total * used_percent / 100), meta=100, mode="rw").replace(
        "/1638400", "/{}".format(total))
    return compose_snapshot(parse_status(status), parse_table(TABLE.format(mark=mark)), None).pool


@pytest.mark.parametrize("setting, mode, armed", [
    ("auto", "enforce", True), ("auto", "dry-run", False), ("auto", "observe", False),
    ("yes", "observe", True), ("no", "enforce", False)])
def test_the_mark_is_kept_armed_in_enforce_mode_or_as_configured(settings, setting, mode, armed):
    config = settings("mode: {}\nevents:\n  arm_low_water_mark: \"{}\"\n".format(mode, setting))
    assert armed_by(config) is armed


def test_dockers_fixed_mark_is_moved_to_the_free_blocks_at_the_data_high_mark(settings):
    marks = settings().watermarks
    wanted = free_blocks_at_high(TOTAL, marks.data)
    assert wanted_mark(pool(10), marks) == wanted != 32768
    assert needs_arming(pool(10), marks)
    assert not needs_arming(pool(10, mark=wanted), marks)
    assert wanted_mark(None, marks) is None and not needs_arming(None, marks)


def test_a_grown_table_carries_the_mark_of_its_new_size_only_while_armed(settings):
    enforce = settings("mode: enforce\n")
    assert mark_when_grown(enforce, 2 * TOTAL) == free_blocks_at_high(2 * TOTAL, enforce.watermarks.data)
    assert mark_when_grown(settings("mode: observe\n"), 2 * TOTAL) is None


def test_a_climb_that_crossed_the_mark_and_came_back_without_a_grow_loads_the_table_again():
    mark = 32768                                    # 2% of the pool
    crossed, back = pool(99, mark), pool(50, mark)
    assert needs_rearming(crossed, back)
    assert not needs_rearming(pool(50, mark), back)                         # never crossed: still armed
    assert not needs_rearming(crossed, pool(99, mark))                      # still under it
    assert not needs_rearming(crossed, pool(50, mark, total=2 * TOTAL))     # a grow resumed it already
