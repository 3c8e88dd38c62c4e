"""A thin pool's table: rewrite one line with some fields changed, load it, and resume.

Growing the pool, arming its low water mark and recovering it reload or resume the pool with
everything else unchanged, by ioctl (guardian.host.devmapper: no process while the pool may be
suspended), each step applied through the host door as the dmsetup command it stands for.
A resume never leaves the pool suspended or with an inactive table pending unless the kernel
refuses, and then says so; a table is loaded only when its device holds what it asks for.
"""
from typing import NamedTuple

from guardian.errors import CommandError
from guardian.host import devmapper


def table_line(table, length_sectors=None, low_water_mark=None):
    """The pool's table line with some fields replaced and everything else as it was."""
    args = [table.metadata_dev, table.data_dev, str(table.data_block_sectors),
            str(table.low_water_mark_blocks if low_water_mark is None else low_water_mark),
            str(len(table.features))] + list(table.features)
    return "{} {} thin-pool {}".format(table.start, table.length_sectors if length_sectors is None
                                       else length_sectors, " ".join(args))


def direct_change(ctx, argv, fn, *args):
    """One step by ioctl through the host door, named by the command argv it stands for; its
    failure is a CommandError, as a failed command's would be."""
    try:
        ctx.host.change(" ".join(argv), fn, *args)
    except devmapper.DevmapperError as exc:
        raise CommandError(str(exc))


def load(ctx, name, line):
    direct_change(ctx, ["dmsetup", "reload", name, "--table", line], devmapper.load_table, name, line)


def clear(ctx, name):
    direct_change(ctx, ["dmsetup", "clear", name], devmapper.clear_inactive, name)


class DeviceState(NamedTuple):
    """What the kernel says of a device after a resume (DM_DEV_STATUS, as `dmsetup info` shows)."""
    exists: bool
    suspended: bool
    inactive_table: bool


def device_state(name):
    """The device's state now, or None when it cannot be read."""
    try:
        info = devmapper.device_info(name)
    except devmapper.DevmapperError:
        return None
    return DeviceState(bool(info.exists), bool(info.suspended), bool(info.inactive_table))


def resume(ctx, name, previous_line=None):
    """Resume with no flush (see devmapper.resume_device). If the kernel refuses, the new table may
    already be live (a target refuses in its preresume, after the swap): drop any inactive table,
    load previous_line again when given, and resume again. Either way the device's state is read
    back and the message says what is true, never "restored" on the strength of a hope."""
    try:
        _resume(ctx, name)
    except CommandError as exc:
        failures = []
        steps = [clear] + ([lambda c, n: load(c, n, previous_line)] if previous_line else []) + [_resume]
        for step in steps:
            try:
                step(ctx, name)
            except CommandError as step_error:
                failures.append(str(step_error))
        state = device_state(name)
        raise CommandError(resume_failed(name, str(exc), failures, state, bool(previous_line)))
    state = device_state(name)
    if state is not None and (not state.exists or state.suspended):
        raise CommandError("dmsetup resume {}: it reported success, but {}".format(name, _state_words(name, state)))


def resume_failed(name, error, failures, state, previous=False):
    """The one line for a failed resume: the first error, what the fallback did, what is true now."""
    fallback = "the fallback failed too ({})".format(failures[0]) if failures else \
        "the previous table was loaded again and the device resumed" if previous else \
        "the new table was dropped and the device resumed again"
    if state is None:
        return "{}; {}; the state of {} could not be read afterwards: check 'dmsetup info {}'".format(
            error, fallback, name, name)
    return "{}; {}; {}".format(error, fallback, _state_words(name, state))


def _state_words(name, state):
    if not state.exists:
        return "{} no longer exists".format(name)
    if state.suspended:
        return "{} is still SUSPENDED, its I/O is blocked: 'dmsetup resume {}'".format(name, name)
    if state.inactive_table:
        return "{} is active, with a table still loaded inactive: 'dmsetup clear {}'".format(name, name)
    return "{} is active with no table pending (see 'dmsetup table {}' for which one is live)".format(
        name, name)


def _resume(ctx, name):
    direct_change(ctx, ["dmsetup", "resume", "--noflush", name], devmapper.resume_device, name)


def reload_and_resume(ctx, name, line, previous_line):
    """Load a new table, then resume; a refused resume falls back to previous_line."""
    load(ctx, name, line)
    resume(ctx, name, previous_line)
