"""`check` as a Nagios/Icinga plugin, after the monitoring-plugins development guidelines.

Thresholds are ranges (`80`, `10:`, `~:90`, `@10:20`: alert outside, or with @ inside); the
output is one line, `SERVICE STATE - text | 'label'=value[UOM];warn;crit;min;max ...`; the exit
code is 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Percent and bytes are both in the perfdata so a
graph can show either. The forecast is a threshold only when asked for (--time-warning/-critical).
"""
from typing import NamedTuple, Optional

from guardian.decide.levels import unhealthy_reason
from guardian.report.render import forecast_text

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
NAMES = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}
INF = float("inf")


class CheckResult(NamedTuple):
    code: int
    line: str


class Range(NamedTuple):
    """A plugin range: alert when the value is outside start..end (inside, with @)."""
    start: float
    end: float
    inside: bool = False
    text: str = ""

    def alerts(self, value):
        within = self.start <= value <= self.end
        return within if self.inside else not within

    def scaled(self, factor):
        """The same range over a quantity `factor` times bigger (a percent range in bytes)."""
        start, end = (v if v in (INF, -INF) else float(round(v * factor)) for v in (self.start, self.end))
        return self._replace(start=start, end=end, text=range_text(start, end, self.inside))


def range_text(start, end, inside=False):
    """The plugin syntax for start..end, as short as it can be written."""
    if start == 0 and not inside and end != INF:
        return _number(end)
    return "{}{}:{}".format("@" if inside else "", "~" if start == -INF else _number(start),
                            "" if end == INF else _number(end))


def _number(value):
    return "{:.0f}".format(value) if value == int(value) else "{:g}".format(value)


def parse_range(text):
    """'80', '10:', '~:90', '10:20', '@10:20' (a trailing % is allowed) -> Range; ValueError."""
    raw = str(text).strip()
    body = raw[1:] if raw.startswith("@") else raw
    body = body.replace("%", "")
    start_text, colon, end_text = body.rpartition(":") if ":" in body else ("0", "", body)
    try:
        start = -INF if start_text == "~" else float(start_text or 0)
        end = INF if end_text == "" and colon else float(end_text)
    except ValueError:
        raise ValueError("not a threshold range: {!r} (examples: 80, 10:, ~:90, @10:20)".format(text))
    if start > end:
        raise ValueError("threshold range {!r}: start is above end".format(text))
    return Range(start, end, raw.startswith("@"), raw.replace("%", ""))


class Thresholds(NamedTuple):
    data_warning: Range
    data_critical: Range
    metadata_warning: Range
    metadata_critical: Range
    time_warning: Optional[Range] = None       # seconds to full: alert under (a `N:` range)
    time_critical: Optional[Range] = None


def check_pool(snapshot, thresholds, forecast=None, forecast_note=None, verbose=0):
    """The plugin's answer for the watched pool; forecast (decide.forecast.Forecast) or why not."""
    pool = snapshot.pool
    if pool is None or pool.status.failed is None and pool.status.data_total_blocks is None:
        reason = "; ".join(snapshot.problems) or "no thin pool found"
        return CheckResult(UNKNOWN, "POOL UNKNOWN - " + reason)
    if pool.status.failed:
        return CheckResult(CRITICAL, "POOL CRITICAL - {}: {}".format(pool.name, unhealthy_reason(pool.status)))
    data, meta = pool.data_effective_used_percent, pool.status.metadata_used_percent
    t = thresholds
    code = max(_state(data, t.data_warning, t.data_critical), _state(meta, t.metadata_warning, t.metadata_critical))
    text = "{}: data {:.1f}%, metadata {:.1f}%".format(pool.name, data, meta)
    unhealthy = unhealthy_reason(pool.status)
    if unhealthy:
        code, text = CRITICAL, text + "; " + unhealthy
    if pool.below_docker_floor:
        text += "; below Docker's minimum free space"
    full = _time_to_full(forecast)
    if full is not None:
        code = max(code, _state(full, t.time_warning, t.time_critical))
    asked = t.time_warning is not None or t.time_critical is not None or verbose
    text += _forecast_text(forecast, full, forecast_note, asked)
    if verbose:
        text += "; effective free {}, Docker's floor {}".format(pool.effective_free_bytes, pool.min_free_bytes)
    perf = perfdata(pool, t, full)
    line = "POOL {} - {} | {}".format(NAMES[code], text, perf)
    if verbose > 1 and snapshot.problems:
        line += "\n" + "\n".join(snapshot.problems)
    return CheckResult(code, line)


def _state(value, warning, critical):
    if value is None:
        return OK
    if critical is not None and critical.alerts(value):
        return CRITICAL
    if warning is not None and warning.alerts(value):
        return WARNING
    return OK


def _time_to_full(forecast):
    """The sooner of data and metadata; None when neither is filling or there is no forecast."""
    if forecast is None:
        return None
    times = [s for s in (forecast.data_full, forecast.metadata_full) if s is not None]
    return min(times) if times else None


def _forecast_text(forecast, full, note, wanted):
    return "; " + forecast_text(forecast, note) if wanted else ""


def perfdata(pool, t, full):
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
    return " ".join(items)


def _perf(label, value, warning, critical, low, high):
    return "'{}'={};{};{};{};{}".format(label, value, warning.text if warning else "",
                                        critical.text if critical else "", low, high)
