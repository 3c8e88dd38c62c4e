"""What the kernel tells about block devices: thin-pool lines (ioctl, else dmsetup through the
host), names and loop files from sysfs, and the space on the loop files' filesystem.

Reads only, returning the kernel's text or numbers; observe/ parses them into a snapshot, and
act/ and tools/ use the names to find a device's sysfs entries.
"""
import fcntl
import os
import struct

from guardian.errors import CommandError, SourceUnavailable
from guardian.host import devmapper
from guardian.host.devmapper import DevmapperError
from guardian.host.devices import device_number

SYS_DEV_BLOCK = "/sys/dev/block"
SYS_BLOCK = "/sys/block"
DEV_MAPPER = "/dev/mapper"
NO_DEVICES = "No devices found"          # what dmsetup prints when no device has the target


def pool_lines(host):
    """(status, table) text of the thin-pools, as `dmsetup status --noflush`/`table --target
    thin-pool` print it: by ioctl through libdevmapper, else from dmsetup."""
    try:
        return pool_lines_by_ioctl()
    except DevmapperError:
        pass
    try:
        status = host.run(["dmsetup", "status", "--noflush", "--target", "thin-pool"]).stdout
        table = host.run(["dmsetup", "table", "--target", "thin-pool"]).stdout
    except CommandError as exc:
        raise SourceUnavailable("kernel: {}".format(exc))
    return status, table


def pool_lines_by_ioctl():
    """The same text with no process per call (see devmapper.target_lines for why no flush): every
    device's status is asked, as a thin-pool can be loaded under any name at any time."""
    status, table = [], []
    for name in devmapper.device_names():
        lines = devmapper.target_lines(name)
        if any(" thin-pool " in line for line in lines):
            status.extend(lines)
            table.extend(devmapper.target_lines(name, table=True))
    return "\n".join(status) or NO_DEVICES, "\n".join(table) or NO_DEVICES


def block_device_name(dev):
    """'7:0' -> 'loop0', '253:3' -> the dm name (from sysfs); '' when unknown."""
    base = os.path.join(SYS_DEV_BLOCK, dev)
    dm_name = _read_text(os.path.join(base, "dm", "name"))
    if dm_name:
        return dm_name
    try:
        return os.path.basename(os.path.realpath(base)) if os.path.exists(base) else ""
    except OSError:
        return ""


def kernel_name_of_number(device, sys_dev_block=SYS_DEV_BLOCK):
    """'dm-0' for the block device '253:0' (its sysfs link ends in that name); None when sysfs
    does not know it."""
    try:
        return os.path.basename(os.readlink(os.path.join(sys_dev_block, device)))
    except OSError:
        return None


def kernel_name_of_dm(dm_name, sys_block=SYS_BLOCK, dev_mapper=DEV_MAPPER, sys_dev_block=SYS_DEV_BLOCK):
    """'dm-3' for a device-mapper name, or None: through /dev/mapper/NAME's device number where
    udev made the node (and sysfs agrees on the name), else by reading every dm/name (a Docker
    host has a thin device per container and image layer)."""
    try:
        entry = kernel_name_of_number(device_number(os.path.join(dev_mapper, dm_name)), sys_dev_block)
    except OSError:
        entry = None
    if entry is not None and _dm_name_is(sys_block, entry, dm_name):
        return entry
    return next((e for e in os.listdir(sys_block) if _dm_name_is(sys_block, e, dm_name)), None)


def _dm_name_is(sys_block, entry, dm_name):
    return _read_text(os.path.join(sys_block, entry, "dm", "name")) == dm_name


def device_bytes(device):
    """A block device's size from sysfs (loop or dm), in bytes: what a table may ask of it."""
    with open(os.path.join(SYS_DEV_BLOCK, device, "size")) as handle:
        return int(handle.read()) * 512


def loop_backing_file(dev):
    """The file behind a loop device, from sysfs ('' if it is not a loop device)."""
    return _read_text(os.path.join(SYS_DEV_BLOCK, dev, "loop", "backing_file"))


LOOP_GET_STATUS64 = 0x4C05
# struct loop_info64 (linux/loop.h): lo_device, lo_inode, lo_rdevice, lo_offset, lo_sizelimit,
# lo_number, lo_encrypt_type, lo_encrypt_key_size, lo_flags, lo_file_name, lo_crypt_name,
# lo_encrypt_key, lo_init[2]
LOOP_INFO64 = struct.Struct("=5Q4I64s64s32s2Q")


def loop_backing_device(dev):
    """'MAJ:MIN' of the filesystem holding a loop device's file (LOOP_GET_STATUS64): the kernel
    gives it in every mount namespace, where sysfs's backing_file is a path from the namespace that
    opened the file (dockerd's own, under MountFlags=slave). OSError when it is not a loop device."""
    fd = os.open("/dev/" + block_device_name(dev), os.O_RDONLY | os.O_CLOEXEC)
    try:
        info = fcntl.ioctl(fd, LOOP_GET_STATUS64, bytes(LOOP_INFO64.size))
    finally:
        os.close(fd)
    device = LOOP_INFO64.unpack(info)[0]
    return "{}:{}".format(os.major(device), os.minor(device))


def _read_text(path):
    try:
        with open(path) as handle:
            return handle.read().strip()
    except OSError:
        return ""


def filesystem_space(directory):
    """(total, free to non-root) bytes of the filesystem holding directory; OSError if unreadable."""
    fs = os.statvfs(directory)
    return fs.f_blocks * fs.f_frsize, fs.f_bavail * fs.f_frsize


def file_space(path):
    """(apparent size, bytes allocated) of a file: how sparse a loop file still is."""
    st = os.stat(path)
    return st.st_size, st.st_blocks * 512
