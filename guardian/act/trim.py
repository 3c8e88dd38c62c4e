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

from guardian.act.base import NOTHING_TO_DO, REFUSED, ActionResult, outcome_of, try_each
from guardian.errors import CommandError
from guardian.host.kernel import SYS_DEV_BLOCK, kernel_name
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


def pool_mounts(pool_name, mounts):
    """The pool's thin volumes mounted in a namespace, one mount per device (the whole filesystem)."""
    pool_dev = kernel_name(pool_name)
    chosen = {}
    for mount in mounts:
        if pool_dev and mount.device not in chosen and mount.root == "/" and sits_on(mount.device, pool_dev):
            chosen[mount.device] = mount
    return sorted(chosen.values(), key=lambda m: m.mount_point)


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
    enter_pid = docker_daemon_pid() or 1
    mounts = pool_mounts(pool.name, read_mounts([enter_pid])[1])
    if not mounts:
        return ActionResult("fstrim", NOTHING_TO_DO, "no thin volume of {} is mounted in {}'s mount "
                            "namespace".format(pool.name, "dockerd" if enter_pid != 1 else "init"))
    block = pool.data_block_bytes or DEFAULT_BLOCK_BYTES
    return trim_all(ctx, enter_pid, mounts, block, ctx.settings.ladder.fstrim.time_budget)


def trim_all(ctx, enter_pid, mounts, block, budget):
    started = time.monotonic()

    def left():
        return budget - (time.monotonic() - started)

    def trim(mount):
        trimmed, returned = trim_one(ctx, enter_pid, mount, block, left())
        ctx.log.info("fstrim.device", mount_point=mount.mount_point, filesystem_trimmed_bytes=trimmed,
                     pool_blocks_returned=returned)
        return trimmed, returned or 0
    tried = try_each(ctx, mounts, trim, CommandError,
                     hold=lambda: "time budget spent" if left() < MIN_STEP_SECONDS else None)
    return trim_result(ctx, mounts, [m.mount_point for m, _ in tried.done], [str(exc) for _, exc in tried.failed],
                       sum(r for _, (_, r) in tried.done), block, sum(t for _, (t, _) in tried.done),
                       time.monotonic() - started)


def trim_result(ctx, mounts, done, failed, returned_blocks, block, fs_bytes, seconds):
    skipped = len(mounts) - len(done) - len(failed)
    if ctx.dry_run:
        summary = "would trim {} thin volume(s) with a minimum extent of {}".format(
            len(mounts), format_bytes(block))
    else:
        summary = "trimmed {} of {} thin volume(s) in {:.0f} s: the pool got back {} block(s) ({})".format(
            len(done), len(mounts), seconds, returned_blocks, format_bytes(returned_blocks * block))
    if skipped:
        summary += "; {} not started (time budget spent or stopping)".format(skipped)
    if failed:
        summary += "; {} failed: {}".format(len(failed), "; ".join(failed[:3]))
    return ActionResult("fstrim", outcome_of(done, failed, ctx.dry_run), summary, {
        "devices": len(mounts), "trimmed": len(done), "failed": len(failed), "skipped": skipped,
        "returned_blocks": returned_blocks, "returned_bytes": returned_blocks * block,
        "filesystem_trimmed_bytes": fs_bytes, "seconds": round(seconds, 1)})
