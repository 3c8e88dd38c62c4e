"""The high mark, decided in one place: the ladder's start, grow's parts, the kernel's low water mark."""
from types import SimpleNamespace

from guardian.decide.levels import above_high, free_blocks_at_high, level_of, size_at_high

MARKS = SimpleNamespace(warning=70.0, high=80.0, low=60.0, critical=90.0)


def test_at_the_high_mark_is_above_it_and_unknown_usage_is_not():
    assert above_high(80.0, MARKS) and not above_high(79.99, MARKS) and not above_high(None, MARKS)
    assert level_of(80.0, MARKS) == "high" and level_of(79.99, MARKS) == "warning"


def test_the_low_water_mark_is_the_room_left_at_the_high_mark():
    assert free_blocks_at_high(16384, MARKS) == 3277          # 20% of 16384, rounded up
    assert free_blocks_at_high(3, SimpleNamespace(high=99.9)) == 1
    assert size_at_high(800, MARKS) == 1000.0
