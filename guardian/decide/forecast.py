"""When the pool will be full at the rate it fills now. Pure.

Sizing a grow needs the rate of the last seconds (fill_rate.py); an operator deciding whether to act
tonight needs the trend, so the forecast keeps the same samples, data and metadata, over a longer
window and fits a line through them (least squares, as Prometheus' predict_linear): a burst moves
it less than two end points would. A pool that is flat or emptying has no time to full: None.
A grow changes the room left, not the samples, so the newest look's room is what is divided.
"""
from typing import NamedTuple, Optional, Tuple

from guardian.decide.fill_rate import Sample, add_sample, recent

WINDOW = 900.0      # seconds of samples the forecast is taken over (metrics.forecast_window)
MIN_SPAN = 60.0     # no forecast from samples closer together than this (or half the window)


class History(NamedTuple):
    """The samples of one pool, oldest first."""
    pool: Optional[str] = None
    data: Tuple[Sample, ...] = ()
    metadata: Tuple[Sample, ...] = ()


class Forecast(NamedTuple):
    window: float
    span: float                         # seconds between the oldest and newest sample used
    data_rate: Optional[float]          # bytes/s; None without enough samples
    metadata_rate: Optional[float]
    data_full: Optional[float]          # seconds until no data space is left (effective, in loop-lvm)
    metadata_full: Optional[float]
    docker_floor: Optional[float]       # seconds until free data drops under Docker's minimum


def remember(history, pool, at, window=WINDOW):
    """The history with this look at the pool added; another pool starts a new one."""
    if pool is None or pool.data_used_bytes is None:
        return history
    if history.pool != pool.name:
        history = History(pool.name)
    metadata = history.metadata
    if pool.metadata_used_bytes is not None:
        metadata = add_sample(metadata, at, pool.metadata_used_bytes, window)
    return History(pool.name, add_sample(history.data, at, pool.data_used_bytes, window), metadata)


def forecast(history, pool, window=WINDOW):
    """Rates and times to full for `pool` (the newest look) from its history's last `window`
    seconds (the daemon keeps a minute at least, for the fill rate)."""
    if history.data:
        newest = history.data[-1].at
        history = History(history.pool, recent(history.data, newest, window), recent(history.metadata, newest, window))
    span = history.data[-1].at - history.data[0].at if history.data else 0.0
    if pool is None or history.pool != pool.name or span < min(MIN_SPAN, window / 2):
        return Forecast(window, span, None, None, None, None, None)
    data_rate, metadata_rate = slope(history.data), slope(history.metadata)
    metadata_free = None
    if pool.metadata_total_bytes is not None:
        metadata_free = pool.metadata_total_bytes - pool.metadata_used_bytes
    floor_room = None
    if pool.data_free_bytes is not None and pool.min_free_bytes is not None:
        floor_room = pool.data_free_bytes - pool.min_free_bytes
    return Forecast(window, span, data_rate, metadata_rate,
                    seconds_until(pool.effective_free_bytes, data_rate),
                    seconds_until(metadata_free, metadata_rate),
                    seconds_until(floor_room, data_rate))


def slope(samples):
    """Least-squares bytes per second; None from fewer than two distinct times."""
    if len(samples) < 2:
        return None
    n = float(len(samples))
    mean_t = sum(s.at for s in samples) / n
    mean_u = sum(s.used_bytes for s in samples) / n
    var = sum((s.at - mean_t) ** 2 for s in samples)
    if var == 0:
        return None
    return sum((s.at - mean_t) * (s.used_bytes - mean_u) for s in samples) / var


def seconds_until(room, rate):
    """0 when already there; None when the room is unknown or the pool is not filling."""
    if room is None:
        return None
    if room <= 0:
        return 0.0
    if rate is None or rate <= 0:
        return None
    return room / rate
