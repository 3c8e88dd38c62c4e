"""What a grow grows: the next size, the limits, the room underneath, and the refusal when
they say no. Pure.

A loop file is sparse: its size is a promise, not space. The pool can come to fill every byte of
its files, so what the files do not hold yet must fit in the filesystem's free space with the
reserve still kept; growing past that would only move the "no space" error from the pool to the
filesystem underneath it, where nothing reports it in time.
"""
from typing import NamedTuple

from guardian.decide import race
from guardian.decide.levels import above_high, size_at_high
from guardian.decide.metadata import may_keep_reserve, project, use_of
from guardian.units import format_bytes

METADATA_MIN_STEP = 64 * 1024 * 1024    # a smaller growth is not worth a table reload


class Growth(NamedTuple):
    part: str               # "data" or "metadata"
    old_bytes: int
    new_bytes: int
    sized_by: str = ""      # "30 s at 150 MiB/s" when the fill rate asked for more than the step

    @property
    def step_bytes(self):
        return self.new_bytes - self.old_bytes

    def describe(self):
        """'data 1 GiB -> 2 GiB', with why the step is larger than the fixed one."""
        why = " (step sized for {} of writing)".format(self.sized_by) if self.sized_by else ""
        return "{} {} -> {}{}".format(self.part, format_bytes(self.old_bytes), format_bytes(self.new_bytes), why)


class Refusal(NamedTuple):
    """Why a grow is not made. Critical unless something else grows the pool (LVM's own
    autoextend): a pool that nothing may grow fills once pruning and trimming run out."""
    reason: str
    critical: bool = True


def align_down(value, unit):
    return value // unit * unit


def align_up(value, unit):
    return -(-value // unit) * unit


def next_size(current, step, min_step, maximum, unit, wanted=0, room=None):
    """The size after one step, aligned to unit and capped at maximum; None when at the maximum.
    A larger `wanted` size (from the fill rate) is taken only as far as `room` allows; the
    fixed step is not cut down to the room, so that a step that cannot fit is refused, not shrunk."""
    target = current + max(step.resolve(current), min_step)
    if wanted > target:
        target = max(target, min(wanted, wanted if room is None else room))
    target = align_down(min(target, maximum), unit)
    return target if target > current else None


def absorbing_size(used, rate, seconds, marks):
    """The data size at which `seconds` more writing at `rate` bytes/s brings the pool only back
    to its high mark: a step sized from the fill rate rather than a fixed share. 0 without a rate."""
    if rate <= 0 or seconds <= 0:
        return 0
    return int(size_at_high(used + rate * seconds, marks))


def sized_by(growth_bytes, fixed_bytes, rate, seconds):
    """Why a step is larger than the fixed one, for the journal."""
    if growth_bytes <= fixed_bytes:
        return ""
    return "{:g} s at {}/s".format(seconds, format_bytes(int(rate)))


def next_data_size(current, used, fill_rate, section, marks, maximum, unit, room):
    """(new data size or None, why it is larger than the fixed step): the fixed step, or the one
    that absorbs grow.absorb of writing at the fill rate, as far as the room allows."""
    fixed = next_size(current, section.step, section.min_step.bytes, maximum, unit)
    wanted = absorbing_size(used, fill_rate, section.absorb, marks)
    new = next_size(current, section.step, section.min_step.bytes, maximum, unit, wanted, room)
    return new, sized_by(new or 0, fixed or 0, fill_rate, section.absorb)


def at_maximum(part, current, maximum):
    return "{} is {}, already at its maximum of {} (grow.max_{}_size)".format(
        part, format_bytes(current), format_bytes(maximum), part)


def unbacked_bytes(apparent, allocated):
    """What a sparse file promises but does not hold yet."""
    return max(0, apparent - allocated)


def room_problem(promised, free, reserve, where):
    """Why the filesystem (or VG) cannot take on `promised` more bytes with `reserve` kept, or None."""
    if promised + reserve <= free:
        return None
    return "{} has {} free; {} more could be written into the pool's files and {} must stay free " \
           "(grow.reserve): refusing to promise space that is not there".format(
               where, format_bytes(free), format_bytes(promised), format_bytes(reserve))


class GrowPart(NamedTuple):
    part: str               # "data" or "metadata"
    why: str
    ahead: bool = False     # under its high mark, grown ahead of the fill: a limit that stops it is no alarm


def parts_to_grow(pool, settings, fill_rate=0.0):
    """Which parts grow and why: data above its high mark, below Docker's floor, or filling into it
    within race.FLOOR_HORIZON (the brake); metadata above its own mark, or ahead of it when the
    projection says it passes that mark before data is full (metadata_ahead), when grow.metadata
    allows it. The grow rung grows these, and `plan` shows them."""
    marks, parts = settings.watermarks, []
    data = pool.data_effective_used_percent
    seconds_left = race.deadline(pool.data_free_bytes, pool.min_free_bytes, fill_rate)
    if above_high(data, marks.data):
        parts.append(GrowPart("data", "{:.1f}% is above its high mark".format(data)))
    elif pool.below_docker_floor:
        parts.append(GrowPart("data", "below Docker's floor"))
    elif seconds_left is not None and seconds_left <= race.FLOOR_HORIZON:
        parts.append(GrowPart("data", "Docker's floor in ~{:.0f} s at this fill rate (the brake: within {:.0f} s)".format(
            seconds_left, race.FLOOR_HORIZON), ahead=True))
    metadata = pool.status.metadata_used_percent
    if settings.ladder.grow.metadata and above_high(metadata, marks.metadata):
        parts.append(GrowPart("metadata", "{:.1f}% is above its high mark".format(metadata)))
    elif settings.ladder.grow.metadata:
        parts.extend(metadata_ahead(pool.status, marks.metadata))
    return tuple(parts)


def metadata_ahead(status, marks):
    """Metadata grown ahead, in a grow that runs anyway: when the projection (decide/metadata.py)
    says it passes its high mark before data is full, the pool's next climbs would be for metadata,
    and a fast fill could take it from there to exhausted (read-only, or an offline repair) between
    two looks. The kernel's reserve is taken out whenever the counts allow it: counted as use, a
    reserve that grows with the device made each grow ask for the next (bench/metadata_fill.py, the
    first run). On a kernel without one this grows later, and the high mark still grows it."""
    use = use_of(status)
    projection = use and project(use, may_keep_reserve(use))
    at = projection and projection.data_percent_at(marks.high, use.data_total)
    if at is None:
        return ()
    return (GrowPart("metadata", "projected past its high mark at ~{:.0f}% data ({:.1f} metadata blocks per "
                     "100 data blocks)".format(at, 100 * projection.per_block), ahead=True),)


def describe_parts(parts):
    """'data (81.0% is above its high mark)', or why nothing grows: for the grow rung and `plan`."""
    if not parts:
        return "neither data nor metadata is above its high mark, and the fill is not about to reach Docker's floor"
    return "; ".join("{} ({})".format(p.part, p.why) for p in parts)
