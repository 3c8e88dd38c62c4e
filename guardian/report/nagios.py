"""`check` as a Nagios/Icinga plugin, after the monitoring-plugins development guidelines.

Thresholds are ranges (`80`, `10:`, `~:90`, `@10:20`: alert outside, or with @ inside); the
output is one line, `SERVICE STATE - text | 'label'=value[UOM];warn;crit;min;max ...`; the exit
code is 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Percent and bytes are both in the perfdata so a
graph can show either. The forecast is a threshold only when asked for (--time-warning/-critical).
"""
from typing import NamedTuple

from guardian.decide.verdict import judge
from guardian.report.render import forecast_text

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
NAMES = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}


class CheckResult(NamedTuple):
    code: int
    line: str


def check_pool(snapshot, thresholds, forecast=None, forecast_note=None, verbose=0, daemon=None, examined=()):
    """The plugin's answer for the watched pool: the one verdict (decide/verdict.py) as one line.
    forecast: decide.forecast.Forecast or None (forecast_note says why); daemon: verdict.DaemonAge;
    examined: the daemon's last doctor findings."""
    found = judge(snapshot, thresholds, forecast, daemon, examined=examined)
    state = NAMES[found.exit_code]
    pool = snapshot.pool
    if found.pool is None:      # the reason names the source that could not be read: said once
        told = [f for f in found.findings if f.condition != "source_unavailable" or f.text not in found.headline]
        return CheckResult(found.exit_code, "POOL {} - {}".format(state, _joined(told)))
    if pool.status.failed:
        return CheckResult(found.exit_code, "POOL {} - {}: {}".format(state, pool.name, _joined(found.findings)))
    data, meta = pool.data_effective_used_percent, pool.status.metadata_used_percent
    text = "{}: data {:.1f}%, metadata {:.1f}%".format(pool.name, data, meta)
    told = [f for f in found.findings if f.condition not in IN_THE_NUMBERS]
    if told:
        text += "; " + _joined(told)
    full = _time_to_full(forecast)
    t = thresholds
    if t.time_warning is not None or t.time_critical is not None or verbose:
        text += "; " + forecast_text(forecast, forecast_note)
    if verbose:
        text += "; effective free {}, Docker's floor {}".format(pool.effective_free_bytes, pool.min_free_bytes)
    line = "POOL {} - {} | {}".format(state, text, perfdata(pool, t, full, forecast))
    if verbose > 1 and snapshot.problems:
        line += "\n" + "\n".join(snapshot.problems)
    return CheckResult(found.exit_code, line)


# Findings the line's own numbers (usage, and the forecast's text) already tell.
IN_THE_NUMBERS = ("data_usage", "metadata_usage", "full_soon")


def _joined(findings):
    return "; ".join(f.text for f in findings)


def _time_to_full(forecast):
    """The sooner of data and metadata; None when neither is filling or there is no forecast."""
    if forecast is None:
        return None
    times = [s for s in (forecast.data_full, forecast.metadata_full) if s is not None]
    return min(times) if times else None


def perfdata(pool, t, full, forecast=None):
    """'label'=value[UOM];warn;crit;min;max for percent, bytes and, with a forecast, seconds."""
    data_total, meta_total = pool.data_total_bytes, pool.metadata_total_bytes
    items = [
        _perf("data", "{:.2f}%".format(pool.data_effective_used_percent), t.data_warning, t.data_critical, 0, 100),
        _perf("data_used", "{}B".format(data_total - pool.effective_free_bytes),
              t.data_warning.scaled(data_total / 100.0), t.data_critical.scaled(data_total / 100.0), 0, data_total),
        _perf("metadata", "{:.2f}%".format(pool.status.metadata_used_percent), t.metadata_warning,
              t.metadata_critical, 0, 100),
        _perf("metadata_used", "{}B".format(pool.metadata_used_bytes), t.metadata_warning.scaled(meta_total / 100.0),
              t.metadata_critical.scaled(meta_total / 100.0), 0, meta_total),
    ]
    if full is not None:
        items.append(_perf("time_to_full", "{:.0f}s".format(full), t.time_warning, t.time_critical, 0, ""))
    if forecast is not None and forecast.docker_floor is not None:
        items.append(_perf("time_to_docker_floor", "{:.0f}s".format(forecast.docker_floor), t.time_warning,
                           t.time_critical, 0, ""))
    return " ".join(items)


def _perf(label, value, warning, critical, low, high):
    return "'{}'={};{};{};{};{}".format(label, value, warning.text if warning else "",
                                        critical.text if critical else "", low, high)
