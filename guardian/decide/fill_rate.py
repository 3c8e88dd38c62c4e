"""How fast the pool's data is filling, from the daemon's own looks at it. Pure.

A fixed growth step (LVM's +20%) comes back to back when writers are fast: each step is used up
before the next event arrives, and the peak climbs. Sizing a step from the rate seen just before
it needs that rate; the daemon keeps a sample of used bytes at every look (polls, dm events,
after every rung: report/state.py) and asks here, over the last WINDOW of them.
"""
from typing import NamedTuple, Tuple

WINDOW = 60.0       # seconds of samples kept
MIN_SPAN = 1.0      # a rate is taken over at least this long when the samples allow it


class Sample(NamedTuple):
    at: float           # seconds (the engine's clock)
    used_bytes: int     # the pool's data used bytes


def recent(samples, at, window):
    # type: (Tuple[Sample, ...], float, float) -> Tuple[Sample, ...]
    """The samples of the `window` seconds up to `at` (none after it: a clock stepped back)."""
    return tuple(s for s in samples if at - window < s.at <= at)


def add_sample(samples, at, used_bytes, window=WINDOW):
    # type: (Tuple[Sample, ...], float, int, float) -> Tuple[Sample, ...]
    """The samples of the last `window` seconds, with this one added (the forecast keeps a longer
    window than the grow sizing)."""
    return recent(samples, at, window) + (Sample(at, used_bytes),)


def fill_rate(samples, window=WINDOW):
    # type: (Tuple[Sample, ...], float) -> float
    """Bytes per second from the newest sample back to the newest one at least MIN_SPAN older
    (or the oldest of the last `window` seconds); 0 when the pool is not filling (or emptied:
    prune and fstrim)."""
    samples = recent(samples, samples[-1].at, window) if samples else ()
    if len(samples) < 2:
        return 0.0
    newest = samples[-1]
    older = [s for s in samples[:-1] if s.at <= newest.at - MIN_SPAN] or [samples[0]]
    start = older[-1]
    span = newest.at - start.at
    if span <= 0:
        return 0.0
    return max(0.0, (newest.used_bytes - start.used_bytes) / span)
