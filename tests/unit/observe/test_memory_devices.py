"""/proc/PID/maps and /proc/swaps, read for the devices a process' pages come from.

Fixtures: maps lines of grep on this project's Debian 12 host (root on virtio 254:0, 'fe:00'),
2026-11-24, and of cat in the test-bed guest (root over 9p, '00:16'); /proc/swaps in the guest
with a swap LV on a thin pool and a swap file whose name has a space, 2026-11-24.
"""
from guardian.observe.memory_devices import mapped_devices, swap_areas

HOST_MAPS = """\
55aa743b7000-55aa743bb000 r--p 00000000 fe:00 260368                     /usr/bin/grep
55aa743bb000-55aa743df000 r-xp 00004000 fe:00 260368                     /usr/bin/grep
55aaa42b2000-55aaa42d3000 rw-p 00000000 00:00 0                          [heap]
7fb6c43d1000-7fb6c43f7000 r--p 00000000 fe:00 339380                     /usr/lib/x86_64-linux-gnu/libc.so.6
"""
GUEST_MAPS = """\
55a508aea000-55a508aec000 r--p 00000000 00:16 520265                     /usr/bin/cat
55a5315b4000-55a5315d5000 rw-p 00000000 00:00 0                          [heap]
7fc19d037000-7fc19d0b5000 rw-p 00000000 00:00 0 
7fc19d0b5000-7fc19d10c000 r--p 00000000 00:16 659273                     /usr/lib/locale/C.utf8/LC_CTYPE
7ffc8b5e0000-7ffc8b5e2000 r-xp 00000000 00:00 0                          [vdso]
"""
SWAPS = (
    "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
    "/dev/dm-4                               partition\t262140\t\t0\t\t-2\n"
    "/scratch/sw/swap\\040file                file\t\t65532\t\t0\t\t-3\n")


def test_file_mappings_give_their_device_in_decimal():
    assert mapped_devices(HOST_MAPS) == {"254:0"}
    assert mapped_devices(GUEST_MAPS) == {"0:22"}


def test_anonymous_and_special_mappings_have_no_device():
    assert mapped_devices(GUEST_MAPS.replace("00:16", "00:00").replace(" 520265 ", " 0 ").replace(
        " 659273 ", " 0 ")) == set()


def test_swap_partitions_and_files_with_their_escaped_names():
    assert swap_areas(SWAPS) == [("/dev/dm-4", "partition"), ("/scratch/sw/swap file", "file")]


def test_no_swap_is_the_header_alone():
    assert swap_areas(SWAPS.splitlines(True)[0]) == []


def test_an_anonymous_mapping_at_the_end_of_the_text_has_no_device():
    assert mapped_devices("7ffc8b5e0000-7ffc8b5e2000 rw-p 00000000 fe:00 0") == set()
    assert mapped_devices("7ffc8b5e0000-7ffc8b5e2000 rw-p 00000000 fe:00 10") == {"254:0"}
