"""The Prometheus text exposition format, as node_exporter's textfile collector reads it.

Small enough to write here rather than add prometheus_client to what the RPM ships: each family
is HELP, TYPE, then its samples; label values escaped; no timestamps (the collector refuses them).
"""
import math
from typing import NamedTuple, Tuple


class Family(NamedTuple):
    name: str
    kind: str               # gauge or counter
    help: str
    samples: Tuple          # ((labels dict, value), ...)


def render(families):
    """The file's text; families with no sample are left out (an absent series alerts nobody)."""
    lines = []
    for family in families:
        if not family.samples:
            continue
        lines.append("# HELP {} {}".format(family.name, _escape_help(family.help)))
        lines.append("# TYPE {} {}".format(family.name, family.kind))
        for labels, value in family.samples:
            lines.append("{}{} {}".format(family.name, _labels(labels), _number(value)))
    return "\n".join(lines) + "\n"


def gauge(name, help_text, *samples):
    return Family(name, "gauge", help_text, tuple(s for s in samples if s[1] is not None))


def counter(name, help_text, *samples):
    return Family(name, "counter", help_text, tuple(s for s in samples if s[1] is not None))


def _labels(labels):
    if not labels:
        return ""
    return "{" + ",".join('{}="{}"'.format(k, _escape_value(str(v))) for k, v in sorted(labels.items())) + "}"


def _escape_value(text):
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(text):
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _number(value):
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))
