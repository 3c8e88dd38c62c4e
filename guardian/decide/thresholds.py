"""Alert thresholds as plugin ranges (`80`, `10:`, `~:90`, `@10:20`). Pure.

The monitoring-plugins range syntax is what `check` takes on its command line; the daemon's own
verdict uses the same ranges, made from the config's warning and critical marks, so that `check`
with no flags and the daemon always agree.
"""
from typing import NamedTuple, Optional

INF = float("inf")


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



def from_marks(marks, time_warning=None, time_critical=None):
    """The config's warning and critical marks (watermarks.data/.metadata) as ranges."""
    def mark(what, which):
        return parse_range("{:g}".format(getattr(getattr(marks, what), which)))
    return Thresholds(mark("data", "warning"), mark("data", "critical"),
                      mark("metadata", "warning"), mark("metadata", "critical"), time_warning, time_critical)
