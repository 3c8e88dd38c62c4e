"""recover: run at daemon start, so a guardian killed at any point leaves a working pool, and at
any look that finds the pool suspended (by a killed tool, an operator, anyone).

A suspended pool blocks every write of every container; a loop file grown without its loop
device or table following is room the pool cannot use. Resuming is always done (unless in
dry-run): it only undoes a stop. A half-done grow is finished when grow is enabled and the limits
still allow it, and reported otherwise; nothing is ever shrunk.

A direct-lvm pool is LVM's: an lvextend killed mid-suspend (at its timeout, or with the daemon)
has already given its data LV the new extents in the kernel, maybe before LVM committed them. Its
pending pool table is dropped, never resumed, and `lvchange --refresh` then loads the tables
LVM's committed metadata describes: the pool never uses extents LVM may hand to another LV.
"""
from guardian.act.base import DONE, DRY_RUN, NOTHING_TO_DO, REFUSED, ActionResult
from guardian.act.grow_loop import finish_unfinished
from guardian.act.grow_lvm import LVM_TIMEOUT, lv_of
from guardian.act.table import clear, resume
from guardian.errors import CommandError
from guardian.host import devmapper
from guardian.host.kernel import device_bytes
from guardian.observe.dmsetup import ThinPoolTable, parse_table
from guardian.observe.suspended import suspended


def resume_suspended(ctx, pool):
    """Resume whatever in the pool's stack is suspended; the names of those resumed."""
    resumed = suspended(pool)
    for name in resumed:
        resume(ctx, name)
    return resumed


def pending_table(ctx, pool):
    """A table loaded but never resumed: finished when it fits its data device, else dropped."""
    info = devmapper.device_info(pool.name)
    if not (info.exists and info.inactive_table):
        return None
    text = ctx.host.run(["dmsetup", "table", "--inactive", pool.name]).stdout
    tables = [t for t in parse_table(text) if isinstance(t, ThinPoolTable)]
    fits = tables and tables[0].length_sectors * 512 <= device_bytes(tables[0].data_dev)
    if fits and ctx.settings.ladder.grow.enabled and pool.kind != "direct-lvm":
        resume(ctx, pool.name)
        return "resumed the pool's pending table ({} sectors)".format(tables[0].length_sectors)
    clear(ctx, pool.name)
    return "dropped a pending table of the pool that was never resumed"


def refresh_from_lvm(ctx, pool):
    """Have LVM load the pool's tables from its committed metadata (after a killed lvextend),
    leaving dmeventd's monitoring as it is: (notes, refused), as finish_unfinished."""
    lv = lv_of(pool)
    if lv is None:
        return [], ["no LVM volume found for the data device {}: run lvchange --refresh on the pool's "
                    "LV".format(pool.table.data_dev)]
    ctx.host.run(["lvchange", "--refresh", "--ignoremonitoring", lv], timeout=LVM_TIMEOUT, changes=True)
    return ["tables reloaded from LVM's metadata (lvchange --refresh {})".format(lv)], []


def recover(snapshot, ctx):
    """Resume a suspended pool, finish or report a half-done grow."""
    pool = snapshot.pool
    if pool is None or pool.table is None:
        return ActionResult("recover", NOTHING_TO_DO, "no pool with a table to check")
    try:
        pending = pending_table(ctx, pool)
        notes = ([pending] if pending else []) + ["resumed " + n for n in resume_suspended(ctx, pool)]
        refused = []
        if pool.kind == "loop-lvm":
            done, refused = finish_unfinished(ctx, ctx.observe().pool or pool)
            notes += done
        elif pool.kind == "direct-lvm" and notes:
            done, refused = refresh_from_lvm(ctx, pool)
            notes += done
    except (CommandError, devmapper.DevmapperError, OSError) as exc:
        return ActionResult("recover", REFUSED, "could not check pool {}: {}".format(pool.name, exc))
    if refused:
        return ActionResult("recover", REFUSED, "; ".join(notes + refused))
    if not notes:
        return ActionResult("recover", NOTHING_TO_DO, "pool {} is active and its files match its table".format(
            pool.name))
    return ActionResult("recover", DRY_RUN if ctx.dry_run else DONE, "; ".join(notes))
