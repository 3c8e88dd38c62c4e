"""Race the fill: which rung runs next, by what it can give back before Docker's floor. Pure.

A ladder tried in a fixed order, one rung at a time, loses to a fast fill: a prune waiting half a
minute on dockerd while the pool goes from 80% to 100%, with grow, enabled and with room, never
reached. LVM's dmeventd never loses that race while the volume group has room, because it only
grows. Here each look gives a deadline, the seconds until free data falls under Docker's floor at
the rate of the last seconds, and each rung an estimate learnt from its own runs (how long it
took, how much it gave back). The next rung is the one that gives back the most before the
deadline; the configured order breaks ties. When no reclaiming rung can finish before the
deadline, grow goes first: the brake, then the reclaiming goes on.
"""
from typing import NamedTuple, Optional, Tuple

# Starting values, before a rung has run on this pool: the duration is a rough real-hardware
# figure (a removal on devicemapper deactivates and deletes a thin device; a loop grow is a
# truncate and a table reload), and nothing is assumed about what a rung gives back.
STARTING_SECONDS = {"prune_containers": 10.0, "release_mounts": 5.0, "fstrim": 5.0,
                    "prune_images": 20.0, "grow": 2.0}
LEARNING = 0.5          # weight of the newest run in the running estimate
SAFETY = 2.0            # a rung "beats" the deadline only when it is expected done in half of it
# The brake's case: grow grows data under its high mark when the fill reaches Docker's floor this
# soon (decide/growth.parts_to_grow). Without it a climb started for the floor put grow first and
# grow found nothing above its high mark (the leaky replay, bench/RESULTS.md). Wider than the
# race's own start for the default ladder (twice ~17 s).
FLOOR_HORIZON = 120.0


class Estimate(NamedTuple):
    seconds: float                  # how long one run takes
    returned: Optional[float]       # bytes of data one run gives back (grow: adds); None: not yet seen
    runs: int = 0
    last_returned: int = 0          # what the last run gave back, for the critical override


class Choice(NamedTuple):
    rung: str
    why: str
    brake: bool = False     # grow first because no reclaiming rung beats the deadline


def starting(rung):
    return Estimate(STARTING_SECONDS.get(rung, 10.0), None)


def learn(estimates, rung, seconds, returned_bytes):
    """The estimates with one more run of `rung` folded in (a running average, newest weighted)."""
    old = dict(estimates).get(rung, starting(rung))
    if old.runs == 0:
        new = Estimate(seconds, float(returned_bytes), 1, returned_bytes)
    else:
        mean_returned = old.returned if old.returned is not None else float(returned_bytes)
        new = Estimate(old.seconds + LEARNING * (seconds - old.seconds),
                       mean_returned + LEARNING * (returned_bytes - mean_returned),
                       old.runs + 1, returned_bytes)
    table = dict(estimates)
    table[rung] = new
    return tuple(sorted(table.items()))


def deadline(free_bytes, floor_bytes, fill_rate):
    """Seconds until free data falls under Docker's floor at this fill rate; None when not filling."""
    if free_bytes is None or floor_bytes is None or not fill_rate or fill_rate <= 0:
        return None
    return max(0.0, (free_bytes - floor_bytes) / fill_rate)


def still_to_run(estimate_seconds, elapsed):
    """Seconds a running rung is expected to need still. One past half its estimate is expected
    to need as long again as it has run: a removal stuck on a busy device overruns its estimate
    by tens of seconds, and "done in a moment" would keep grow from braking beside it."""
    return max(estimate_seconds - elapsed, elapsed)


def order_by_race(ready, estimates, seconds_left, order):
    """The ready rungs, the one to run first first, each with the estimate behind its place.

    ready: rung names that may run now; estimates: ((rung, Estimate), ...); seconds_left: the
    deadline or None (not filling: the configured order stands)."""
    table = dict(estimates)
    position = {name: i for i, name in enumerate(order)}

    def estimate(rung):
        return table.get(rung, starting(rung))
    if seconds_left is None:
        return tuple(Choice(r, "in the configured order; " + describe(estimate(r))) for r in
                     sorted(ready, key=position.get))
    reclaimers = [r for r in ready if r != "grow"]
    in_time = [r for r in reclaimers if beats(estimate(r), seconds_left)]
    if "grow" in ready and all(_gave_nothing(estimate(r)) for r in in_time):
        late = "; ".join("{} {}".format(r, describe(estimate(r))) for r in reclaimers) or "no reclaiming rung ready"
        first = (Choice("grow", "the brake: {} s to Docker's floor and no reclaiming rung can give "
                        "space back in time ({})".format(_s(seconds_left), late), brake=True),)
        rest = order_by_race([r for r in ready if r != "grow"], estimates, seconds_left, order)
        return first + rest

    def rank(rung):
        """In time first, then the most given back a second. A rung that has given nothing back
        is not "in time": it returns nothing before the deadline, and a slower rung that gives
        back goes before it (churn: release_mounts, ~0 MiB in 4 runs, ran 8 s while
        prune_containers waited and Docker refused). grow gives nothing back either, it only adds
        room: once the deadline is safe it keeps its configured place among those rungs."""
        e = estimate(rung)
        if rung == "grow":
            return (True, 0.0, True, position.get(rung, 99))
        nothing = _gave_nothing(e)
        per_second = e.returned / max(e.seconds, 0.1) if e.returned else 0.0
        return (nothing or not beats(e, seconds_left), -per_second, nothing, position.get(rung, 99))
    chosen = sorted(ready, key=rank)
    return tuple(Choice(r, "{} s to Docker's floor; {}{}".format(_s(seconds_left), describe(estimate(r)),
                                                                 _late(estimate(r), seconds_left))) for r in chosen)


def _late(estimate, seconds_left):
    if _gave_nothing(estimate):
        return ", gave nothing back: after the rungs that do"
    return "" if beats(estimate, seconds_left) else ", too slow to beat it"


def beats(estimate, seconds_left):
    return estimate.seconds * SAFETY <= seconds_left


def _gave_nothing(estimate):
    """A reclaiming rung that cannot help: its runs gave nothing back (one not run yet may)."""
    return estimate.returned is not None and estimate.returned <= 0


def describe(estimate):
    """'takes ~4 s, gives back ~120 MiB (3 runs)': the estimate as plan and the journal show it."""
    if estimate.runs == 0:
        return "takes ~{} s (a starting guess), gives back unknown".format(_s(estimate.seconds))
    return "takes ~{} s, gives back ~{} MiB ({} run{})".format(
        _s(estimate.seconds), int((estimate.returned or 0) / (1 << 20)), estimate.runs,
        "" if estimate.runs == 1 else "s")


def _s(seconds):
    return "{:.0f}".format(seconds) if seconds >= 10 else "{:.1f}".format(seconds)


def critical_override(estimate, level):
    """At critical, a cooldown does not hold back a rung whose last run gave space back."""
    return level == "critical" and estimate is not None and estimate.last_returned > 0


Estimates = Tuple[Tuple[str, Estimate], ...]
