"""Where the pool's low water mark should be, and when its table must be loaded again.

The kernel raises the pool's low-water event when free data blocks fall to the mark in its table,
once, and again only after the table is resumed. The daemon keeps the mark at the data high mark
(Docker's fixed 32768 blocks fire far too late on a big pool and at once on a small one);
act/low_water_mark.py loads the table these say.
"""
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


def mark_when_grown(settings, data_total_blocks):
    """The mark a grown pool's table carries: at the data high mark of its new size while armed,
    else None (the table keeps the mark it has)."""
    return free_blocks_at_high(data_total_blocks, settings.watermarks.data) if armed_by(settings) else None


def needs_arming(pool, marks):
    wanted = wanted_mark(pool, marks)
    return wanted is not None and pool.table.low_water_mark_blocks != wanted


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
