"""A thin pool's table: rewrite one line with some fields changed, load it, and resume.

Growing the pool, arming its low water mark and recovering it reload or resume the pool with
everything else unchanged, by ioctl (guardian.host.devmapper: no process per step, which under
load costs 0.1-0.4 s each), each step logged as the dmsetup command it stands for and skipped
in dry-run, as guardian.host.runner does for commands. A resume never leaves the pool suspended
or with an inactive table pending.
"""
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
    """One step by syscall or ioctl, logged as the command argv it stands for (and skipped in
    dry-run); its failure is a CommandError, as a failed command's would be."""
    try:
        devmapper.change(ctx.log, ctx.dry_run, argv, fn, *args)
    except devmapper.DevmapperError as exc:
        raise CommandError(str(exc))


def load(ctx, name, line):
    direct_change(ctx, ["dmsetup", "reload", name, "--table", line], devmapper.load_table, name, line)


def clear(ctx, name):
    direct_change(ctx, ["dmsetup", "clear", name], devmapper.clear_inactive, name)


def resume(ctx, name):
    """Resume with no flush (see devmapper.resume_device); if that fails, drop the inactive table
    and resume the old one: the pool is never left suspended."""
    try:
        _resume(ctx, name)
    except CommandError as exc:
        for step in (clear, _resume):
            try:
                step(ctx, name)
            except CommandError:
                pass
        raise CommandError("{}; the previous table was restored".format(exc))


def _resume(ctx, name):
    direct_change(ctx, ["dmsetup", "resume", "--noflush", name], devmapper.resume_device, name)


def reload_and_resume(ctx, name, line):
    """Load a new table, then resume (which falls back to the old table if it fails)."""
    load(ctx, name, line)
    resume(ctx, name)
