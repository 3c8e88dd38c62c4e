"""Value parsers for config options: each takes the YAML value and returns the typed value.

They raise ValueError with a short reason; the loader adds the key path and line.
"""
import re
from typing import NamedTuple, Optional

from guardian.errors import ParseError
from guardian.units import parse_size_option

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


class SizeOrShare(NamedTuple):
    """An absolute size in bytes, or a share (0..1] of something the option names."""
    bytes: Optional[int] = None
    share: Optional[float] = None

    def resolve(self, whole):
        """Bytes, given the size of the whole that a share refers to."""
        return self.bytes if self.share is None else int(whole * self.share)


def percent(value):
    """'80%' or 80 -> 80.0 (percent of the pool)."""
    text = str(value).strip()
    number = text[:-1] if text.endswith("%") else text
    try:
        result = float(number)
    except ValueError:
        raise ValueError("expected a percent like '80%', got {!r}".format(value))
    if not 0 <= result <= 100:
        raise ValueError("a percent must be between 0 and 100, got {!r}".format(value))
    return result


def duration(value):
    """'10s', '5m', '1h', '2d', '250ms' or a number of seconds -> seconds (float)."""
    match = _DURATION.match(str(value))
    if isinstance(value, bool) or not match:
        raise ValueError("expected a duration like '10s', '5m' or '1h', got {!r}".format(value))
    return float(match.group(1)) * _DURATION_UNITS[match.group(2)]


def size_or_share(value):
    """'10G', '512MiB', bytes, or '20%' -> SizeOrShare."""
    text = str(value).strip()
    if text.endswith("%"):
        return SizeOrShare(share=percent(text) / 100.0)
    try:
        return SizeOrShare(bytes=parse_size_option(text))
    except ParseError as exc:
        raise ValueError(str(exc))


def integer(value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("expected a whole number, got {!r}".format(value))
    return value


def cron(value):
    """Five cron fields, checked by APScheduler's own parser so the daemon cannot choke on it later."""
    from apscheduler.triggers.cron import CronTrigger
    try:
        CronTrigger.from_crontab(str(value))
    except ValueError as exc:
        raise ValueError("expected a cron expression like '30 3 * * *': {}".format(exc))
    return str(value)


def boolean(value):
    if not isinstance(value, bool):
        raise ValueError("expected true or false, got {!r}".format(value))
    return value


def text(value):
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty string, got {!r}".format(value))
    return value.strip()


def optional(parse):
    """None (YAML null or the word 'auto') stays None; anything else goes through parse."""
    def parse_optional(value):
        if value is None or value == "auto":
            return None
        return parse(value)
    parse_optional.__doc__ = parse.__doc__
    return parse_optional


def one_of(*choices):
    def parse_choice(value):
        if value not in choices:
            raise ValueError("expected one of {}, got {!r}".format(", ".join(choices), value))
        return value
    parse_choice.__doc__ = "one of: " + ", ".join(choices)
    return parse_choice


def list_of(parse):
    def parse_list(value):
        if not isinstance(value, list):
            raise ValueError("expected a list, got {!r}".format(value))
        return tuple(parse(item) for item in value)
    parse_list.__doc__ = "a list"
    return parse_list


def positive(parse):
    def parse_positive(value):
        result = parse(value)
        if result <= 0:
            raise ValueError("must be greater than zero, got {!r}".format(value))
        return result
    parse_positive.__doc__ = parse.__doc__
    return parse_positive
