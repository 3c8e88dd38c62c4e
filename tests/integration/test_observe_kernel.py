"""The daemon reads the kernel by ioctl (libdevmapper); it must see exactly what dmsetup prints."""
from guardian.host import devmapper
from guardian.observe.dmsetup import parse_status, parse_table
from guardian.observe.sources import PoolDevices, read_kernel_by_ioctl
from tests.integration.bedlib import out


def test_ioctl_reading_matches_dmsetup_status_and_table(make_thin_pool):
    pools = [make_thin_pool(data_size=64 << 20), make_thin_pool(data_size=128 << 20, low_water_blocks=7)]
    pools[0].create_thin(32 << 20)
    statuses, tables = read_kernel_by_ioctl()
    assert statuses == parse_status(out("dmsetup status --target thin-pool"))
    assert tables == parse_table(out("dmsetup table --target thin-pool"))
    assert {p.name for p in pools} <= {s.name for s in statuses}


def test_the_daemons_looks_leave_out_thin_devices_and_still_see_a_new_pool(make_thin_pool):
    first = make_thin_pool(data_size=64 << 20)
    thin = first.create_thin(32 << 20)
    devices = PoolDevices()
    read_kernel_by_ioctl(devices)
    asked = {name for name, _ in devices.to_ask(devmapper.device_list())}
    assert first.name in asked and thin.name not in asked
    second = make_thin_pool(data_size=128 << 20)
    statuses, tables = read_kernel_by_ioctl(devices)
    assert statuses == parse_status(out("dmsetup status --target thin-pool"))
    assert tables == parse_table(out("dmsetup table --target thin-pool"))
    assert {first.name, second.name} <= {s.name for s in statuses}
