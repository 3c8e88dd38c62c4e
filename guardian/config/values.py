"""Value parsers for config options: each takes the YAML value and returns the typed value.

They raise ValueError with a short reason; the loader adds the key path and line. A parser may carry
`bounds` (shown in docs/config.md) and `spell` (the value written back as the file would write it,
for `check-config --print`); the wrappers below pass both on.

Percents and durations in the file carry their unit: `watermarks.data.high: 0.8` read as 0.8% would
have the guardian prune all day, so a bare number is refused with the spelling to use. Sizes are
another matter: a bare size is bytes, as lvextend and Docker's storage options read one.
"""
import decimal
import re
from typing import NamedTuple, Optional

from guardian.errors import ParseError
from guardian.units import parse_size_option

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_DURATION_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1), ("ms", 0.001))
_SIZE_UNITS = (("P", 1 << 50), ("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10))


class SizeOrShare(NamedTuple):
    """An absolute size in bytes, or a share (0..1] of something the option names."""
    bytes: Optional[int] = None
    share: Optional[float] = None

    def resolve(self, whole):
        """Bytes, given the size of the whole that a share refers to."""
        return self.bytes if self.share is None else int(whole * self.share)


def percent(value):
    """'80%' -> 80.0 (percent of the pool); a bare 80 or 0.8 is refused."""
    return _percent(value, bare=False)


def percent_or_number(value):
    """'10%' or 10 -> 10.0: for command-line flags, where a bare number has always been a percent."""
    return _percent(value, bare=True)


def _percent(value, bare):
    text = str(value).strip()
    unit = text.endswith("%")
    number = _number(text[:-1] if unit else text)
    if number is None:
        raise ValueError("expected a percent like '80%', got {}".format(shown(value)))
    if not (unit or bare):
        example = number * 100 if 0 < number < 1 else number      # 0.8 most likely meant 80%
        raise ValueError("expected a percent like '{}%', got {}: the unit is required".format(
            _hint(example, "80"), shown(value)))
    if not 0 <= number <= 100:
        raise ValueError("a percent must be between 0 and 100, got {}".format(shown(value)))
    return number


def duration(value):
    """'10s', '5m', '1h', '2d' or '250ms' -> seconds (float); a bare 10 is refused."""
    return _duration(value, bare=False)


def duration_or_seconds(value):
    """A duration, or a bare number of seconds: for command-line flags (a plugin's `-t 10`)."""
    return _duration(value, bare=True)


def _duration(value, bare):
    match = _DURATION.match(str(value)) if isinstance(value, (str, int, float)) else None
    if isinstance(value, bool) or not match:
        raise ValueError("expected a duration like '10s', '5m' or '1h', got {}".format(shown(value)))
    number, unit = match.groups()
    if unit is None and not bare:
        raise ValueError("expected a duration like '{}s', got {}: the unit is required".format(
            _hint(number, "10"), shown(value)))
    return float(number) * dict(_DURATION_UNITS)[unit or "s"]


def _number(text):
    """A finite number from text, or None."""
    try:
        number = float(text)
    except ValueError:
        return None
    return number if abs(number) != float("inf") and number == number else None


def _hint(number, fallback):
    """A number as an error suggests a spelling with it: '80', '0.5'; a huge one gives way to fallback."""
    text = number if isinstance(number, str) else "{:g}".format(number)
    return text if len(text) <= 12 and "e" not in text else fallback


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
    _pass_on(parse, parse_between)
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


def absolute_path(value):
    """A path from /: the daemon's working directory is /, a command's is wherever it was run, so a
    relative path would name a different file for each."""
    path = text(value)
    if not path.startswith("/"):
        raise ValueError("expected an absolute path (from /), got {}".format(shown(value)))
    return path


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
    _pass_on(parse, parse_optional)
    parse_optional.spell = lambda value: "auto" if value is None else spelling(parse)(value)
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
    parse_list.spell = lambda values: [spelling(parse)(item) for item in values]
    return parse_list


def positive(parse):
    def parse_positive(value):
        result = parse(value)
        if (result.bytes or result.share or 0) <= 0 if isinstance(result, SizeOrShare) else result <= 0:
            raise ValueError("must be greater than zero, got {}".format(shown(value)))
        return result
    return _pass_on(parse, parse_positive)


def _pass_on(parse, wrapper):
    """A wrapper keeps its parser's bounds and spelling."""
    wrapper.bounds = getattr(parse, "bounds", None)
    wrapper.spell = spelling(parse)
    return wrapper


# -- Spelling: a parsed value written back as the file would write it, reading back the same.

def spelling(parse):
    """parse's spelling of the values it returns; a string, a bool or a number is written as it is."""
    return getattr(parse, "spell", lambda value: value)


def _spell_percent(number):
    return _shortest(number, lambda text: float(text) == number) + "%"


def _spell_duration(seconds):
    """The largest unit that holds it whole: 3600.0 -> '1h', 0.25 -> '250ms', else seconds."""
    for unit, factor in _DURATION_UNITS if seconds else ():
        text = _shortest(seconds / factor, lambda t, f=factor: float(t) * f == seconds)
        if "." not in text:
            return text + unit
    return _shortest(seconds, lambda text: float(text) == seconds) + "s"


def _spell_size_or_share(value):
    """'4G', '1536M', '100B'; a share as its percent, '10%'."""
    if value.share is not None:
        return _shortest(value.share * 100, lambda text: float(text) / 100.0 == value.share) + "%"
    unit, factor = next(((u, f) for u, f in _SIZE_UNITS if value.bytes and value.bytes % f == 0), ("B", 1))
    return "{}{}".format(value.bytes // factor, unit)


def _shortest(number, reads_back):
    """The shortest decimal for number that reads back as exactly it (10.000000000000002 -> '10');
    failing that, all its digits."""
    candidates = [_decimal(round(number, digits)) for digits in range(18)]
    return next((text for text in candidates if reads_back(text)), _decimal(number))


def _decimal(number):
    """Plain decimal digits, never an exponent (1e-05 -> '0.00001'), no trailing zeros."""
    text = "{:f}".format(decimal.Decimal(repr(float(number))))
    return text.rstrip("0").rstrip(".") if "." in text else text


percent.spell = _spell_percent
duration.spell = _spell_duration
size_or_share.spell = _spell_size_or_share
