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
        raise ValueError("expected a percent like '80%', got {}".format(shown(value)))
    if not 0 <= result <= 100:
        raise ValueError("a percent must be between 0 and 100, got {}".format(shown(value)))
    return result


def duration(value):
    """'10s', '5m', '1h', '2d', '250ms' or a number of seconds -> seconds (float)."""
    match = _DURATION.match(str(value)) if isinstance(value, (str, int, float)) else None
    if isinstance(value, bool) or not match:
        raise ValueError("expected a duration like '10s', '5m' or '1h', got {}".format(shown(value)))
    return float(match.group(1)) * _DURATION_UNITS[match.group(2)]


def shown(value):
    """A value as an error line quotes it: repr, cut short so a huge value stays one short line."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def between(parse, least, most):
    """parse, then bounds given as YAML would write them ('1s', '1h'): a typo such as '1ms' for a
    poll, or 10^20 days, is refused at load time rather than met by the daemon."""
    low, high = parse(least), parse(most)

    def parse_between(value):
        result = parse(value)
        number = result.bytes if isinstance(result, SizeOrShare) else result
        floor = low.bytes if isinstance(low, SizeOrShare) else low
        ceiling = high.bytes if isinstance(high, SizeOrShare) else high
        if number is not None and not floor <= number <= ceiling:
            raise ValueError("must be between {} and {}, got {}".format(least, most, shown(value)))
        return result
    parse_between.bounds = (least, most)      # shown in docs/config.md
    return parse_between


def size_or_share(value):
    """'10G', '512MiB', bytes, or '20%' -> SizeOrShare."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError("expected a size like '10G' or a share like '20%', got {}".format(shown(value)))
    text = str(value).strip()
    if text.endswith("%"):
        return SizeOrShare(share=percent(text) / 100.0)
    try:
        return SizeOrShare(bytes=parse_size_option(text))
    except ParseError as exc:
        raise ValueError(str(exc))


def integer(value):
    """a whole number"""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("expected a whole number, got {}".format(shown(value)))
    return value


_DOCKER_SCHEMES = ("unix://", "tcp://", "http://", "https://", "ssh://")


def docker_host(value):
    """unix:///path, tcp://host:port, http(s)://host:port or ssh://user@host, as DOCKER_HOST takes."""
    address = text(value)
    scheme = next((s for s in _DOCKER_SCHEMES if address.startswith(s)), None)
    if scheme is None or len(address) == len(scheme) or (scheme == "unix://" and address[7:8] != "/"):
        raise ValueError("expected an address like unix:///var/run/docker.sock or tcp://host:2376, "
                         "got {}".format(shown(value)))
    return address


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
        raise ValueError("expected true or false, got {}".format(shown(value)))
    return value


def text(value):
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty string, got {}".format(shown(value)))
    return value.strip()


def optional(parse):
    """None (YAML null or the word 'auto') stays None; anything else goes through parse."""
    def parse_optional(value):
        if value is None or value == "auto":
            return None
        return parse(value)
    parse_optional.bounds = getattr(parse, "bounds", None)
    return parse_optional


def one_of(*choices):
    def parse_choice(value):
        if value not in choices:
            raise ValueError("expected one of {}, got {}".format(", ".join(choices), shown(value)))
        return value
    return parse_choice


def list_of(parse):
    def parse_list(value):
        if not isinstance(value, list):
            raise ValueError("expected a list, got {}".format(shown(value)))
        return tuple(parse(item) for item in value)
    return parse_list


def positive(parse):
    def parse_positive(value):
        result = parse(value)
        if (result.bytes or result.share or 0) <= 0 if isinstance(result, SizeOrShare) else result <= 0:
            raise ValueError("must be greater than zero, got {}".format(shown(value)))
        return result
    parse_positive.bounds = getattr(parse, "bounds", None)
    return parse_positive
