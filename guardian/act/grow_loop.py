"""Grow a loop-lvm pool: the file, then the loop device, then the pool's table, then resume.

Each step is a separate function so that a test can stop between any two and show that
`recover` finishes or reports the half-done grow (finish_unfinished: the procedure has one
owner). Before every step the limits are checked again against the live filesystem (another
writer may have taken the room meanwhile); a refusal part-way undoes the steps already taken,
which is safe because the pool never saw the larger size.
"""
import os
from typing import NamedTuple

from guardian.act.table import direct_change, load, resume, table_line
from guardian.config.schema import MAX_METADATA_BYTES
from guardian.decide.growth import (METADATA_MIN_STEP, Growth, Refusal, at_maximum, next_data_size, next_size,
                                    room_problem, unbacked_bytes)
from guardian.decide.low_water_mark import mark_when_grown
from guardian.errors import CommandError
from guardian.host import devmapper
from guardian.host.kernel import block_device_name, device_bytes, file_space, filesystem_space
from guardian.observe.snapshot import METADATA_BLOCK_BYTES
from guardian.units import format_bytes

METADATA_UNIT = 1024 * 1024


class LoopPart(NamedTuple):
    part: str               # data or metadata
    file: str
    loop: str               # /dev/loop0
    device: str             # 7:0


class LoopGrow(NamedTuple):
    """One loop-lvm grow, as planned or as a kill left it: which file, to what size, and the
    pool's table once it is done."""
    pool: str
    target: LoopPart
    growth: Growth
    table_line: str         # the pool's table after the grow
    other_file: str         # the pool's other loop file, whose promise counts too
    previous_line: str      # the pool's table before it, loaded again if the kernel refuses the new one


def loop_part(pool, part):
    """The file and loop device behind one part of a loop-lvm pool."""
    sparse = getattr(pool.backing, part + "_file", None) if pool.backing else None
    device = pool.table.data_dev if part == "data" else pool.table.metadata_dev
    if sparse is None or not block_device_name(device).startswith("loop"):
        return None
    return LoopPart(part, sparse.path, "/dev/" + block_device_name(device), device)


def new_table_line(pool, growth, settings):
    table = pool.table
    if growth.part == "metadata":
        return table_line(table)
    length = growth.new_bytes // 512 // table.data_block_sectors * table.data_block_sectors
    return table_line(table, length_sectors=length,
                      low_water_mark=mark_when_grown(settings, length // table.data_block_sectors))


def maximum_for(section, part, fs_total):
    if part == "data":
        return section.max_data_size.resolve(fs_total)
    return min(section.max_metadata_size.resolve(fs_total), MAX_METADATA_BYTES)


def loop_grow_for(pool, part, settings, fill_rate=0.0):
    """A LoopGrow or the Refusal. A data step is sized from the fill rate too (grow.absorb), as
    far as the room underneath allows."""
    target = loop_part(pool, part)
    if target is None:
        return Refusal("the pool's {} device is not a loop device with a known file".format(part))
    section = settings.ladder.grow
    room = room_under(target.file, other_file(pool, part), section)
    current = os.stat(target.file).st_size
    maximum = maximum_for(section, part, room.total)
    why = ""
    if part == "data":
        new, why = next_data_size(current, pool.data_used_bytes or 0, fill_rate, section,
                                  settings.watermarks.data, maximum, pool.data_block_bytes, room.largest)
    else:
        new = next_size(current, section.metadata_step, METADATA_MIN_STEP, maximum, METADATA_UNIT)
    if new is None:
        return Refusal(at_maximum(part, current, maximum))
    return loop_grow(pool, target, Growth(part, current, new, why), settings)


def loop_grow(pool, target, growth, settings):
    """The LoopGrow that takes `target` to growth.new_bytes, planned or left by a kill."""
    return LoopGrow(pool.name, target, growth, new_table_line(pool, growth, settings), other_file(pool, growth.part),
                    table_line(pool.table))


def other_file(pool, part):
    """The pool's other loop file, whose promise counts too ("" when unknown)."""
    other = pool.backing.metadata_file if part == "data" else pool.backing.data_file
    return other.path if other else ""


class Room(NamedTuple):
    """The filesystem under a loop file as it is now, and what may be promised on it."""
    where: str
    total: int
    free: int               # to non-root
    reserve: int            # grow.reserve, resolved against total
    allocated: int          # what the file holds already
    other_promised: int     # what the pool's other file promises but does not hold yet

    @property
    def largest(self):
        """The largest size the file may be given with the reserve kept: what problem() allows."""
        return self.allocated + self.free - self.reserve - self.other_promised

    def problem(self, new_bytes):
        """Why the file may not be new_bytes, or None."""
        return room_problem(unbacked_bytes(new_bytes, self.allocated) + self.other_promised, self.free,
                            self.reserve, self.where)


def room_under(path, other_path, section):
    directory = os.path.dirname(path)
    total, free = filesystem_space(directory)
    return Room("the filesystem under " + directory, total, free, section.reserve.resolve(total),
                file_space(path)[1], unbacked_bytes(*file_space(other_path)) if other_path else 0)


def room_check(job, settings):
    """Max size and reserve, against the filesystem as it is now; None when the step may go."""
    section = settings.ladder.grow
    room = room_under(job.target.file, job.other_file, section)
    maximum = maximum_for(section, job.growth.part, room.total)
    if job.growth.new_bytes > maximum:
        return "{} {} would be above grow.max_{}_size ({})".format(
            job.growth.part, format_bytes(job.growth.new_bytes), job.growth.part, format_bytes(maximum))
    return room.problem(job.growth.new_bytes)


def truncate_file(ctx, job, size=None):
    """The loop file to its new size (or back to `size`, when a grow is undone)."""
    size = job.growth.new_bytes if size is None else size
    direct_change(ctx, ["truncate", "-s", str(size), job.target.file], os.truncate, job.target.file, size)


def refresh_loop(ctx, job):
    direct_change(ctx, ["losetup", "-c", job.target.loop], devmapper.loop_set_capacity, job.target.loop)


def reload_table(ctx, job):
    load(ctx, job.pool, job.table_line)


def resume_pool(ctx, job):
    resume(ctx, job.pool, job.previous_line)


STEPS = (truncate_file, refresh_loop, reload_table, resume_pool)


def step_ready(job, step):
    """The previous step took effect (checked only when steps really run)."""
    if step is refresh_loop and os.stat(job.target.file).st_size != job.growth.new_bytes:
        return "{} is not {} bytes after truncate".format(job.target.file, job.growth.new_bytes)
    if step is reload_table and device_bytes(job.target.device) < job.growth.new_bytes:
        return "{} did not grow after losetup -c".format(job.target.loop)
    return None


def undo(ctx, job, done):
    """Put the file (and loop device) back: the pool never saw the larger size."""
    if done >= 1:
        truncate_file(ctx, job, job.growth.old_bytes)
    if done >= 2:
        refresh_loop(ctx, job)


def run_loop_grow(ctx, job):
    """Run the steps with a check before each; None when done, else the Refusal that stopped it
    (the steps taken are undone)."""
    done = 0
    try:
        for step in STEPS[:3]:
            problem = room_check(job, ctx.settings) or (None if ctx.dry_run else step_ready(job, step))
            if problem:
                undo(ctx, job, done)
                return Refusal(problem)
            try:
                step(ctx, job)
            except CommandError:
                undo(ctx, job, done)
                raise
            done += 1
    finally:
        if done == 3:
            resume_pool(ctx, job)
    return None


def finish_unfinished(ctx, pool):
    """What a grow killed after its file grew left: each file larger than the pool uses is
    finished when grow is enabled and the room check passes, else left as is, with why. Nothing
    is shrunk: a sparse file larger than its pool costs nothing. (notes, refused), a line each."""
    notes, refused = [], []
    for part in ("data", "metadata"):
        job = _unfinished(ctx, pool, part)
        if job is None:
            continue
        what = "{} file {} is {} bytes but the pool uses {}".format(
            part, job.target.file, job.growth.new_bytes, job.growth.old_bytes)
        problem = _finish(ctx, job)
        (refused if problem else notes).append(what + (": " + problem if problem else ": grow finished"))
        pool = ctx.observe().pool or pool
    return notes, refused


def _unfinished(ctx, pool, part):
    """A LoopGrow from what the pool uses to the size of its file, when the file is larger; or None."""
    target = loop_part(pool, part)
    if target is None:
        return None
    file_bytes = os.stat(target.file).st_size
    if part == "data":
        block = pool.table.data_block_bytes
        used = pool.table.length_sectors * 512
        behind = file_bytes // block * block > used
    else:
        used = pool.status.metadata_total_blocks * METADATA_BLOCK_BYTES
        behind = min(file_bytes, MAX_METADATA_BYTES) // METADATA_BLOCK_BYTES * METADATA_BLOCK_BYTES > used
    if not behind:
        return None
    return loop_grow(pool, target, Growth(part, used, file_bytes), ctx.settings)


def _finish(ctx, job):
    """losetup -c if the loop device lags its file, then the table, then resume; or why not."""
    if not ctx.settings.ladder.grow.enabled:
        return "left as is: grow is disabled"
    problem = room_check(job, ctx.settings)
    if problem:
        return "left as is: " + problem
    if device_bytes(job.target.device) < job.growth.new_bytes:
        refresh_loop(ctx, job)
    reload_table(ctx, job)
    resume_pool(ctx, job)
    return None
