"""grow: give the pool more room when pruning and trimming were not enough (disabled by default).

Loop-lvm grows its sparse files (grow_loop), direct-lvm extends its LV (grow_lvm). Each plans a
grow or a Refusal (maximum reached, too little room underneath, LVM autoextend in charge); a
refusal is a REFUSED result the operator hears about, and a grow made is checked in the kernel's
own status afterwards.
"""
from guardian.act.base import DONE, DRY_RUN, FAILED, NOTHING_TO_DO, REFUSED, ActionResult
from guardian.act.grow_loop import loop_grow_for, run_loop_grow
from guardian.act.grow_lvm import LVM_TIMEOUT, lvm_grow_for
from guardian.act.recover import recover
from guardian.config.schema import MAX_METADATA_BYTES
from guardian.decide.growth import Refusal, describe_parts, parts_to_grow
from guardian.errors import CommandError
from guardian.units import format_bytes

def grow(snapshot, ctx):
    """The ladder's rung: grow what decide/growth.parts_to_grow says."""
    pool = snapshot.pool
    parts = parts_to_grow(pool, ctx.settings, ctx.data_fill_rate) if pool is not None else ()
    if not parts:
        return ActionResult("grow", NOTHING_TO_DO, describe_parts(parts))
    return grow_parts(snapshot, ctx, [p.part for p in parts], [p.part for p in parts if p.ahead])


def grow_parts(snapshot, ctx, parts, ahead=()):
    """Grow each named part once; the worst outcome wins, every part is in the summary.

    A part grown ahead of the fill (under its high mark: the brake's head start, metadata's
    projection) that a limit stops (the maximum, the room underneath) is nothing to do, not a
    failing remedy: no alert while that part is under its marks. Above the high mark, the same
    refusal is critical."""
    results = []
    for part in parts:
        result = grow_part(ctx.observe() if results else snapshot, ctx, part)
        if part in ahead and result.outcome == REFUSED:
            result = ActionResult("grow", NOTHING_TO_DO, "not growing ahead of the fill: " + result.summary,
                                  result.numbers)
        results.append(result)
    order = (FAILED, REFUSED, DRY_RUN, DONE, NOTHING_TO_DO)
    worst = min((r.outcome for r in results), key=order.index)
    numbers = {}
    for result in results:
        numbers.update(result.numbers)
    return ActionResult("grow", worst, "; ".join(r.summary for r in results), numbers,
                        any(r.critical for r in results))


def grow_part(snapshot, ctx, part):
    pool = snapshot.pool
    if pool is None or pool.table is None:
        return ActionResult("grow", NOTHING_TO_DO, "no pool with a table")
    if not pool.healthy:
        return ActionResult("grow", REFUSED, "pool {} is not healthy; growing it would hide that".format(
            pool.name))
    try:
        if pool.kind == "loop-lvm":
            return _grow_loop(pool, ctx, part)
        if pool.kind == "direct-lvm":
            return _grow_lvm(pool, ctx, part)
    except CommandError as exc:
        return ActionResult("grow", FAILED, "grow {} of {}: {}".format(part, pool.name, exc))
    except OSError as exc:
        return ActionResult("grow", FAILED, "grow {} of {}: {}: {}".format(
            part, pool.name, exc.filename or "", exc.strerror))
    return ActionResult("grow", REFUSED, "pool {} is neither loop-lvm nor direct-lvm".format(pool.name))


def _grow_loop(pool, ctx, part):
    job = loop_grow_for(pool, part, ctx.settings, ctx.data_fill_rate)
    if isinstance(job, Refusal):
        return _refused(pool, part, job)
    refusal = run_loop_grow(ctx, job)
    if refusal:
        return _refused(pool, part, refusal)
    return _verified(ctx, pool, job.growth, "file " + job.target.file)


def _grow_lvm(pool, ctx, part):
    job = lvm_grow_for(pool, part, ctx.settings, ctx.host, ctx.data_fill_rate)
    if isinstance(job, Refusal):
        return _refused(pool, part, job)
    try:
        ctx.host.run(job.argv, timeout=LVM_TIMEOUT, changes=True)
    except CommandError as exc:
        return _recovered(ctx, pool, part, exc)
    return _verified(ctx, pool, job.growth, "LV {}; {}".format(job.lv, job.autoextend.describe(job.lv)))


def _recovered(ctx, pool, part, error):
    """An lvextend that failed or was killed at its timeout may have left the pool suspended or
    a table pending: recover now (LVM's committed metadata decides the size), not at the next look."""
    after = recover(ctx.observe(), ctx)
    done = "" if after.outcome == NOTHING_TO_DO else "; then recover: " + after.summary
    return ActionResult("grow", FAILED, "grow {} of {}: {}{}".format(part, pool.name, error, done))


def _refused(pool, part, refusal):
    """A limit stops the last rung: the pool fills unless someone adds room, so it is critical
    (unless LVM's autoextend grows it)."""
    return ActionResult("grow", REFUSED, "not growing {} of {}: {}".format(part, pool.name, refusal.reason),
                        critical=refusal.critical)


def _verified(ctx, pool, growth, where):
    """The kernel's status must show the new size and a writable pool."""
    numbers = {growth.part + "_old_bytes": growth.old_bytes, growth.part + "_new_bytes": growth.new_bytes}
    if ctx.dry_run:
        return ActionResult("grow", DRY_RUN, "would grow {} of {} ({})".format(
            growth.describe(), pool.name, where), numbers)
    after = ctx.observe().pool
    seen = None if after is None else (after.data_total_bytes if growth.part == "data"
                                       else after.metadata_total_bytes)
    wanted = growth.new_bytes if growth.part == "data" else min(growth.new_bytes, MAX_METADATA_BYTES)
    if after is None or seen is None or seen < wanted - (pool.data_block_bytes or 0) or after.status.mode != "rw":
        return ActionResult("grow", FAILED, "grew {} of {} ({}) but the kernel shows {} {}, mode {}".format(
            growth.describe(), pool.name, where, growth.part, format_bytes(seen or 0),
            after and after.status.mode), numbers)
    return ActionResult("grow", DONE, "grew {} of {} ({}); the pool is {} and rw".format(
        growth.describe(), pool.name, where, format_bytes(seen)), numbers)
