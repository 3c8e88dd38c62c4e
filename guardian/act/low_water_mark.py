"""Arm the pool's low water mark at the data high watermark, so crossing it is a kernel event.

Docker creates loop-lvm pools with a fixed low water mark of 32768 blocks (2 GiB at 64 KiB),
which fires far too late on a big pool and at once on a small one. The mark lives in the pool's
table, so arming it is a table reload with everything else unchanged, then a resume (by ioctl).
"""
from guardian.act.base import DONE, NOTHING_TO_DO, ActionResult
from guardian.act.table import reload_and_resume, table_line
from guardian.decide.levels import free_blocks_at_high


def armed_by(settings):
    """Whether the daemon keeps the mark armed: in enforce mode, or always, as configured."""
    setting = settings.events.arm_low_water_mark
    return setting == "yes" or (setting == "auto" and settings.mode == "enforce")


def wanted_mark(pool, marks):
    """The low water mark the pool's table should carry (the free blocks at the data high mark),
    or None when there is no healthy pool with a table to load."""
    if pool is None or pool.table is None or not pool.healthy:
        return None
    return free_blocks_at_high(pool.status.data_total_blocks, marks.data)


def needs_arming(pool, marks):
    wanted = wanted_mark(pool, marks)
    return wanted is not None and pool.table.low_water_mark_blocks != wanted


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


def needs_rearming(before, after):
    """Whether the kernel's event fired before a climb and the climb brought the pool back above
    the mark without resuming its table (a grow resumes it, which re-arms the event already)."""
    if not (before and after and before.table and after.table and after.healthy) or \
            None in (before.status.data_used_blocks, after.status.data_used_blocks):
        return False
    mark = after.table.low_water_mark_blocks
    return (free_blocks(before) <= before.table.low_water_mark_blocks and free_blocks(after) > mark
            and after.status.data_total_blocks == before.status.data_total_blocks)


def free_blocks(pool):
    return pool.status.data_total_blocks - pool.status.data_used_blocks


def rearm(snapshot, ctx):
    """Load the pool's table unchanged and resume it: the kernel's low-water event fires again."""
    pool = snapshot.pool
    reload_and_resume(ctx, pool.name, table_line(pool.table), table_line(pool.table))
    return ActionResult("arm_low_water_mark", DONE, "low water mark {} re-armed after the climb".format(
        pool.table.low_water_mark_blocks), {"to_blocks": pool.table.low_water_mark_blocks})
