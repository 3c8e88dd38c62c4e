"""Arm the pool's low water mark at the data high watermark, so crossing it is a kernel event.

Where the mark should be, and when, is decide/low_water_mark.py's. The mark lives in the pool's
table, so arming it is a table reload with everything else unchanged, then a resume (by ioctl).
"""
from guardian.act.base import DONE, NOTHING_TO_DO, ActionResult
from guardian.act.table import reload_and_resume, table_line
from guardian.decide.low_water_mark import wanted_mark


def arm(snapshot, ctx):
    pool = snapshot.pool
    wanted = wanted_mark(pool, ctx.settings.watermarks)
    if wanted is None:
        return ActionResult("arm_low_water_mark", NOTHING_TO_DO, "no healthy pool with a table")
    if pool.table.low_water_mark_blocks == wanted:
        return ActionResult("arm_low_water_mark", NOTHING_TO_DO, "low water mark already {}".format(wanted))
    reload_and_resume(ctx, pool.name, table_line(pool.table, low_water_mark=wanted), table_line(pool.table))
    return ActionResult("arm_low_water_mark", DONE, "low water mark {} -> {} blocks".format(
        pool.table.low_water_mark_blocks, wanted), {"from_blocks": pool.table.low_water_mark_blocks,
                                                      "to_blocks": wanted})


def rearm(snapshot, ctx):
    """Load the pool's table unchanged and resume it: the kernel's low-water event fires again."""
    pool = snapshot.pool
    reload_and_resume(ctx, pool.name, table_line(pool.table), table_line(pool.table))
    return ActionResult("arm_low_water_mark", DONE, "low water mark {} re-armed after the climb".format(
        pool.table.low_water_mark_blocks), {"to_blocks": pool.table.low_water_mark_blocks})
