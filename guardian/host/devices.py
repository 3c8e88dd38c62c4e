"""A block device's number as the kernel spells it ("253:7"), in /sys/dev/block, in mountinfo and
in device-mapper tables: one spelling, so that a number read from one matches the others."""
import os


def major_minor(number):
    """'253:7' for a device number: st_rdev of a device node, st_dev of a file's filesystem."""
    return "{}:{}".format(os.major(number), os.minor(number))


def device_number(path):
    """'253:7' for the device node at path; OSError when it is not there."""
    return major_minor(os.stat(path).st_rdev)


def dm_device_number(dm_name):
    """'253:7' for /dev/mapper/NAME, or None when the device is not there (already removed)."""
    try:
        return device_number("/dev/mapper/" + dm_name)
    except OSError:
        return None
