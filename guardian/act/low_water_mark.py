"""Arm the pool's low water mark at the data high watermark, so crossing it is a kernel event.

Docker creates loop-lvm pools with a fixed low water mark of 32768 blocks (2 GiB at 64 KiB),
which fires far too late on a big pool and at once on a small one. The mark lives in the pool's
table, so arming it is a table reload with everything else unchanged, then a resume.
"""
import math

from guardian.act.base import DONE, NOTHING_TO_DO, ActionResult
from guardian.errors import CommandError


def wanted_low_water_mark(total_blocks, high_percent):
    """Free blocks below which the kernel raises its event: the room left at the high mark."""
    return max(1, int(math.ceil(total_blocks * (100.0 - high_percent) / 100.0)))


def table_line(table, length_sectors=None, low_water_mark=None):
    """The pool's table line with some fields replaced and everything else as it was."""
    args = [table.metadata_dev, table.data_dev, str(table.data_block_sectors),
            str(table.low_water_mark_blocks if low_water_mark is None else low_water_mark),
            str(len(table.features))] + list(table.features)
    return "{} {} thin-pool {}".format(table.start, table.length_sectors if length_sectors is None
                                       else length_sectors, " ".join(args))


def reload_and_resume(runner, name, line):
    """Load a new table and resume; if the resume fails, drop the inactive table, never leave it."""
    runner.run(["dmsetup", "reload", name, "--table", line], changes=True)
    try:
        runner.run(["dmsetup", "resume", name], changes=True)
    except CommandError:
        runner.run(["dmsetup", "clear", name], changes=True, check=False)
        runner.run(["dmsetup", "resume", name], changes=True, check=False)
        raise


def arm(snapshot, ctx):
    pool = snapshot.pool
    if pool is None or pool.table is None or not pool.healthy:
        return ActionResult("arm_low_water_mark", NOTHING_TO_DO, "no healthy pool with a table")
    wanted = wanted_low_water_mark(pool.status.data_total_blocks, ctx.settings.watermarks.data.high)
    if pool.table.low_water_mark_blocks == wanted:
        return ActionResult("arm_low_water_mark", NOTHING_TO_DO, "low water mark already {}".format(wanted))
    reload_and_resume(ctx.runner, pool.name, table_line(pool.table, low_water_mark=wanted))
    return ActionResult("arm_low_water_mark", DONE, "low water mark {} -> {} blocks".format(
        pool.table.low_water_mark_blocks, wanted), {"from_blocks": pool.table.low_water_mark_blocks,
                                                      "to_blocks": wanted})
