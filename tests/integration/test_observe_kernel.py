"""The daemon reads the kernel by ioctl (libdevmapper); it must see exactly what dmsetup prints."""
from guardian.observe.dmsetup import parse_status, parse_table
from guardian.observe.sources import read_kernel_by_ioctl
from tests.integration.bedlib import out


def test_ioctl_reading_matches_dmsetup_status_and_table(make_thin_pool):
    pools = [make_thin_pool(data_size=64 << 20), make_thin_pool(data_size=128 << 20, low_water_blocks=7)]
    pools[0].create_thin(32 << 20)
    statuses, tables = read_kernel_by_ioctl()
    assert statuses == parse_status(out("dmsetup status --target thin-pool"))
    assert tables == parse_table(out("dmsetup table --target thin-pool"))
    assert {p.name for p in pools} <= {s.name for s in statuses}
