"""fstrim: give the pool back the blocks that running containers freed inside their filesystems.

A file deleted inside a container frees blocks in its filesystem, not in the pool: only a discard
tells dm-thin. Docker's thin devices are often mounted only in dockerd's own mount namespace
(CentOS 7 runs it with MountFlags=slave), so they are found there and trimmed there, one device at
a time, with a minimum extent of one pool block (a smaller range cannot free a block), within a
time budget, feeding the watchdog between devices.
"""
import os
import re
import time

from guardian.act.base import NOTHING_TO_DO, REFUSED, ActionResult, Chosen, RungPlan, outcome_of, told, try_each
from guardian.errors import CommandError
from guardian.host.kernel import SYS_DEV_BLOCK, kernel_name_of_dm
from guardian.host.processes import docker_daemon_pid
from guardian.observe.holders import read_mounts
from guardian.units import format_bytes

DEFAULT_BLOCK_BYTES = 64 * 1024
MIN_STEP_SECONDS = 5.0      # a device is not started with less of the budget left than this
_TRIMMED = re.compile(r"\((\d+) bytes\) trimmed")


def sits_on(device, pool_kernel_name, sys_dev_block=SYS_DEV_BLOCK):
    """Whether the block device major:minor is a thin volume of that pool (sysfs slaves)."""
    try:
        return pool_kernel_name in os.listdir(os.path.join(sys_dev_block, device, "slaves"))
    except OSError:
        return False


def trim_plan(pool_name, mounts, enter_pid):
    """The pool's thin volumes mounted in one namespace: each filesystem once, by a mount of all of
    it, in mount point order; a second mount of one, or a mount of only part of it, is kept, with
    why. Mounts of anything else are not the pool's, and not listed."""
    pool_dev = kernel_name_of_dm(pool_name)
    chosen, kept, ours = {}, [], {}
    for mount in mounts:
        if mount.device not in ours:
            ours[mount.device] = bool(pool_dev) and sits_on(mount.device, pool_dev)
        if not ours[mount.device]:
            continue
        if mount.device in chosen:
            kept.append((mount.mount_point, "its filesystem is trimmed at " + chosen[mount.device].mount_point))
        elif mount.root != "/":
            kept.append((mount.mount_point, "mounts only {} of its filesystem".format(mount.root)))
        else:
            chosen[mount.device] = mount
    return RungPlan("fstrim", "trim", tuple(Chosen(m.mount_point, "thin volume " + m.device, (enter_pid, m))
                                            for m in sorted(chosen.values(), key=lambda m: m.mount_point)),
                    tuple(kept), "{}'s mount namespace".format("dockerd" if enter_pid != 1 else "init"))


def plan_fstrim(snapshot, ctx):
    """Which of the pool's filesystems are trimmed, each with why; only reads /proc and sysfs."""
    enter_pid = docker_daemon_pid() or 1
    return trim_plan(snapshot.pool.name, read_mounts([enter_pid])[1], enter_pid)


def trim_one(ctx, enter_pid, mount, min_bytes, timeout):
    """fstrim one filesystem inside the namespace; (bytes the filesystem says it trimmed, blocks back)."""
    before = ctx.observe().pool
    result = ctx.host.run(["nsenter", "--mount=/proc/{}/ns/mnt".format(enter_pid), "fstrim", "-v",
                             "-m", str(min_bytes), mount.mount_point], timeout=timeout, changes=True)
    match = _TRIMMED.search(result.stdout)
    after = ctx.observe().pool
    returned = None
    if before is not None and after is not None and result.executed:
        returned = before.status.data_used_blocks - after.status.data_used_blocks
    return (int(match.group(1)) if match else 0), returned


def fstrim(snapshot, ctx):
    pool = snapshot.pool
    if pool is None:
        return ActionResult("fstrim", NOTHING_TO_DO, "no pool")
    if not pool.healthy or pool.status.discard == "ignore_discard":
        return ActionResult("fstrim", REFUSED, "pool {} {}: a trim cannot help".format(
            pool.name, "ignores discards" if pool.healthy else "is not healthy"))
    plan = told(ctx, plan_fstrim(snapshot, ctx))
    if not plan.chosen:
        return ActionResult("fstrim", NOTHING_TO_DO, "no thin volume of {} is mounted in {}".format(
            pool.name, plan.where))
    block = pool.data_block_bytes or DEFAULT_BLOCK_BYTES
    return trim_all(ctx, plan.items, block, ctx.settings.ladder.fstrim.time_budget)


def trim_all(ctx, filesystems, block, budget):
    """Trim each (namespace pid, mount) in turn, within the time budget."""
    started = time.monotonic()

    def left():
        return budget - (time.monotonic() - started)

    def trim(filesystem):
        enter_pid, mount = filesystem
        try:
            trimmed, returned = trim_one(ctx, enter_pid, mount, block, left())
        except CommandError:
            if still_mounted(enter_pid, mount):
                raise
            return None             # its container was removed meanwhile: nothing left to trim
        ctx.log.info("fstrim.device", mount_point=mount.mount_point, filesystem_trimmed_bytes=trimmed,
                     pool_blocks_returned=returned)
        return trimmed, returned or 0
    tried = try_each(ctx, filesystems, trim, CommandError,
                     hold=lambda: "time budget spent" if left() < MIN_STEP_SECONDS else None)
    done = [(m, r) for (_, m), r in tried.done if r is not None]
    return trim_result(ctx, filesystems, [m.mount_point for m, _ in done], [str(exc) for _, exc in tried.failed],
                       sum(r for _, (_, r) in done), block, sum(t for _, (t, _) in done),
                       time.monotonic() - started, gone=len(tried.done) - len(done))


def still_mounted(enter_pid, mount):
    """Whether the filesystem is still mounted where the plan found it (a container removed between
    the plan and its turn takes its mount along: that is no failed trim)."""
    return any(m.mount_point == mount.mount_point and m.device == mount.device
               for m in read_mounts([enter_pid])[1])


def trim_result(ctx, mounts, done, failed, returned_blocks, block, fs_bytes, seconds, gone=0):
    skipped = len(mounts) - len(done) - len(failed) - gone
    if ctx.dry_run:
        summary = "would trim {} thin volume(s) with a minimum extent of {}".format(
            len(mounts), format_bytes(block))
    else:
        summary = "trimmed {} of {} thin volume(s) in {:.0f} s: the pool got back {} block(s) ({})".format(
            len(done), len(mounts), seconds, returned_blocks, format_bytes(returned_blocks * block))
    if gone:
        summary += "; {} unmounted before its turn (its container removed)".format(gone)
    if skipped:
        summary += "; {} not started (time budget spent or stopping)".format(skipped)
    if failed:
        summary += "; {} failed: {}".format(len(failed), "; ".join(failed[:3]))
    return ActionResult("fstrim", outcome_of(done, failed, ctx.dry_run), summary, {
        "devices": len(mounts), "trimmed": len(done), "failed": len(failed), "skipped": skipped,
        "unmounted": gone,
        "returned_blocks": returned_blocks, "returned_bytes": returned_blocks * block,
        "filesystem_trimmed_bytes": fs_bytes, "seconds": round(seconds, 1)})
