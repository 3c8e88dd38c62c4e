"""A thin pool's table: rewrite one line with some fields changed, load it, and resume.

Growing the pool and arming its low water mark both reload the table with everything else
unchanged; resume must never leave the pool suspended or with an inactive table pending.
"""
from guardian.errors import CommandError


def table_line(table, length_sectors=None, low_water_mark=None):
    """The pool's table line with some fields replaced and everything else as it was."""
    args = [table.metadata_dev, table.data_dev, str(table.data_block_sectors),
            str(table.low_water_mark_blocks if low_water_mark is None else low_water_mark),
            str(len(table.features))] + list(table.features)
    return "{} {} thin-pool {}".format(table.start, table.length_sectors if length_sectors is None
                                       else length_sectors, " ".join(args))


def restoring_resume(name, resume_device, clear_inactive):
    """Resume; if that fails, drop the inactive table and resume the old one: never left suspended.
    The same for both doors: commands (arm, recover) and ioctls (grow)."""
    try:
        resume_device(name)
    except CommandError as exc:
        for step in (clear_inactive, resume_device):
            try:
                step(name)
            except CommandError:
                pass
        raise CommandError("{}; the previous table was restored".format(exc))


def resume(runner, name):
    """`dmsetup resume --noflush`, restoring the old table if it fails. No flush: writes queued by
    a pool out of data space must not hold up its own rescue."""
    restoring_resume(name, lambda n: runner.run(["dmsetup", "resume", "--noflush", n], changes=True),
                     lambda n: runner.run(["dmsetup", "clear", n], changes=True))


def reload_and_resume(runner, name, line):
    """Load a new table, then resume (which falls back to the old table if it fails)."""
    runner.run(["dmsetup", "reload", name, "--table", line], changes=True)
    resume(runner, name)
