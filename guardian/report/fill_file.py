"""The fill samples the daemon publishes, for the forecast of the one-shot commands.

`check` and `status` are one look; a rate needs the daemon's looks of the last minutes. The daemon
(report/metrics.py) keeps them in HISTORY_FILE (tmpfs) at every evaluation; a one-shot command adds
its own look and forecasts from them. Kept apart from the metrics so that `check` imports no more
than it reads.
"""
import json
import os
import time

from guardian.decide.fill_rate import WINDOW as FILL_WINDOW
from guardian.decide.fill_rate import fill_rate
from guardian.decide.forecast import History, forecast, history_from_dict, remember
from guardian.decide.verdict import DaemonAge
from guardian.host.files import unit_enabled

HISTORY_FILE = "/run/pool-guardian/fill.json"


def published_forecast(snapshot, settings, path=HISTORY_FILE):
    """For one-shot commands: the forecast from the daemon's published samples and this look,
    and, when there is none, why (Forecast, note or None)."""
    window = settings.metrics.forecast_window
    history = remember(read_history(path), snapshot.pool, snapshot.taken_at, window)
    outlook = forecast(history, snapshot.pool, window)
    note = None if outlook.data_rate is not None else "no recent samples from the daemon in " + path
    return outlook, note


def published_rate(snapshot, path=HISTORY_FILE):
    """The fill rate of the last minute, as the daemon's engine sees it, from the published samples
    and this look: `plan` races the same deadline as the daemon."""
    history = remember(read_history(path), snapshot.pool, snapshot.taken_at, FILL_WINDOW)
    return fill_rate(history.data) if history.pool is not None else 0.0


def read_history(path=HISTORY_FILE):
    """The samples a daemon published (an empty History when there are none or they are unreadable)."""
    try:
        with open(path) as handle:
            return history_from_dict(json.load(handle))
    except (OSError, ValueError, KeyError, TypeError):
        return History()


def daemon_age(max_age, path=HISTORY_FILE, unit="pool-guardian.service"):
    """When the daemon last evaluated (it rewrites the samples at every evaluation), for `check`."""
    try:
        last = os.stat(path).st_mtime
    except OSError:
        last = None
    return DaemonAge(last, max_age, time.time(), unit_enabled(unit))
