"""Which block devices this process' memory can be paged in from: its mapped files' and its swap's.

While LVM suspends a pool it pins the memory of the process that runs the command (every
mapping, read from /proc/self/maps), so that no page fault can wait for I/O on a suspended
device. Where none of those devices is stacked on the pool, no fault can reach it, and the grow
can skip the pinning (guardian.act.grow_lvm). The parsers here are pure; `mapped_file_devices`
and `swap_devices` read the live process and host.
"""
import os
import re

from guardian.observe.sources import SYS_CLASS_BLOCK, SYS_DEV_BLOCK, kernel_name_of

# address perms offset dev inode: a file's device, as 'fe:00', where the inode is not 0
_FILE_MAPPING = re.compile(r"^\S+ \S+ \S+ ([0-9a-f]+):([0-9a-f]+) (?!0\b)\d+", re.MULTILINE)


def mapped_devices(maps_text):
    """{'253:0', ...}: the devices (st_dev, decimal) of the files in a /proc/PID/maps text;
    anonymous and special mappings (inode 0) have none. (One regular expression over the text:
    a daemon has some 350 mappings, and this runs in every direct-lvm grow.)"""
    return {"{}:{}".format(int(major, 16), int(minor, 16)) for major, minor in set(_FILE_MAPPING.findall(maps_text))}


def swap_areas(swaps_text):
    """[(path, 'partition' | 'file'), ...] from /proc/swaps (its header line skipped)."""
    areas = []
    for line in swaps_text.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 2:
            areas.append((fields[0].replace("\\040", " "), fields[1]))
    return areas


def mapped_file_devices(proc="/proc"):
    """The devices this process' mapped files live on."""
    with open(os.path.join(proc, "self", "maps")) as handle:
        return mapped_devices(handle.read())


def swap_devices(proc="/proc"):
    """The devices the host's swap areas are on: a partition's own, a swap file's filesystem's."""
    with open(os.path.join(proc, "swaps")) as handle:
        areas = swap_areas(handle.read())
    devices = set()
    for path, kind in areas:
        st = os.stat(path)
        number = st.st_rdev if kind == "partition" else st.st_dev
        devices.add("{}:{}".format(os.major(number), os.minor(number)))
    return devices


def kernel_names_below(device, sys_dev_block=SYS_DEV_BLOCK, sys_class_block=SYS_CLASS_BLOCK):
    """{'dm-3', 'dm-2', 'sda2', ...}: the block device major:minor and all it is stacked on
    (sysfs slaves, followed down by name); None when sysfs does not know the device."""
    first = kernel_name_of(device, sys_dev_block)
    if first is None:
        return None
    names, pending = set(), [first]
    while pending:
        name = pending.pop()
        if name in names:
            continue
        names.add(name)
        try:
            pending.extend(os.listdir(os.path.join(sys_class_block, name, "slaves")))
        except OSError:
            continue        # a partition has no slaves directory
    return names
