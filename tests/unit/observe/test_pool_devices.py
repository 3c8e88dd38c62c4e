"""thin_ls's list of a pool's devices: id, mapped blocks, creation and snapshot times."""
import pytest

from guardian.errors import ParseError
from guardian.observe.pool_devices import PoolDevice, parse_pool_devices

from tests.unit.tools.test_top import captured

OUTPUT = captured("thin_ls-0.9.0-orphans.txt")


def test_each_line_of_thin_ls_as_captured_is_a_device_with_its_mapped_blocks_and_times():
    assert parse_pool_devices(OUTPUT) == [
        PoolDevice(1, 1031, 0, 1), PoolDevice(2, 1066, 1, 2), PoolDevice(3, 1066, 2, 3), PoolDevice(4, 1114, 3, 3),
        PoolDevice(5, 64, 3, 3), PoolDevice(6, 0, 3, 3), PoolDevice(500, 128, 3, 3)]


def test_a_pool_without_devices_lists_none():
    assert parse_pool_devices("DEV MAPPED_BLOCKS CREATE_TIME SNAP_TIME\n") == []


@pytest.mark.parametrize("line, why", [("17 160 3", "4 whole numbers"), ("17 1.6k 3 3", "4 whole numbers"),
                                       ("1\u00b2 160 3 3", "4 whole numbers")])
def test_a_line_that_is_not_four_whole_numbers_is_refused_with_its_number(line, why):
    with pytest.raises(ParseError) as caught:
        parse_pool_devices(OUTPUT + line + "\n")
    assert "thin_ls line 9" in str(caught.value) and why in str(caught.value)


def test_a_device_listed_twice_is_refused():
    with pytest.raises(ParseError, match="device 2 listed twice"):
        parse_pool_devices(OUTPUT + "2 0 0 0\n")
