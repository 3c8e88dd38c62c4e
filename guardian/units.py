"""Byte sizes as Docker prints them, as operators type them, and as we show them.

Three conventions meet here and must never be mixed up:

* ``docker info`` prints DECIMAL sizes ("65.54 kB", "107.4GB"); only the Docker 0.7-dev
  prototype's "Mb" is a BINARY mebibyte.
* Operators type sizes the way Docker's ``--storage-opt`` and ``lvextend -L`` read them:
  BINARY, 1024-based, "10G" == "10GiB" == "10GB".
* We print binary sizes with IEC names ("1.5 GiB") so nobody reads them as decimal.
"""
import decimal
import re

from guardian.errors import ParseError

# "KB" is not what go-units prints, but Docker's own docs hand-typed it.
_DOCKER_UNITS = {"B": 1, "kB": 10 ** 3, "KB": 10 ** 3, "MB": 10 ** 6, "GB": 10 ** 9, "TB": 10 ** 12,
                 "PB": 10 ** 15, "EB": 10 ** 18, "KiB": 2 ** 10, "MiB": 2 ** 20, "GiB": 2 ** 30,
                 "TiB": 2 ** 40, "PiB": 2 ** 50, "Mb": 2 ** 20}
_OPTION_POWERS = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4, "p": 5}
_NUMBER_UNIT = re.compile(r"^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$")
_OPTION = re.compile(r"^(\d+(?:\.\d+)?)\s?([kmgtp]?)(i?b?)$", re.IGNORECASE)
_IEC_NAMES = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")


def parse_docker_size(text):
    """Bytes from a size ``docker info`` printed ("567.7 MB", "107.4GB", "0 B", "2.3 Mb").

    Exact to the digits shown: "65.54 kB" is 65540, not the 65536 Docker measured;
    rounding happened in Docker, we cannot undo it here.
    """
    match = _NUMBER_UNIT.match(str(text).strip())
    if not match:
        raise ParseError("docker size: expected a number and a unit like '107.4 GB', got %r" % (text,))
    number, unit = match.groups()
    if unit and unit not in _DOCKER_UNITS:
        raise ParseError("docker size: unknown unit %r in %r (expected one of %s)"
                         % (unit, text, ", ".join(sorted(_DOCKER_UNITS))))
    product = decimal.Decimal(number) * _DOCKER_UNITS.get(unit, 1)
    return int(product.to_integral_value(rounding=decimal.ROUND_HALF_EVEN))


def parse_size_option(text):
    """Bytes from a size an operator typed ("10G", "512MiB", "1.5T", "4096").

    Binary whatever the suffix says, as Docker's storage options and lvextend do;
    fractions of a byte are dropped, as Docker's RAMInBytes does.
    """
    match = _OPTION.match(str(text).strip())
    if not match:
        raise ParseError("size %r: expected a number with an optional K/M/G/T/P suffix, like '10G' or '512MiB'"
                         % (text,))
    number, prefix, suffix = match.groups()
    if suffix.lower() == "i":
        raise ParseError("size %r: 'i' must be followed by 'B', as in 'GiB'" % (text,))
    if suffix.lower() == "ib" and not prefix:
        raise ParseError("size %r: 'iB' needs a K/M/G/T/P prefix" % (text,))
    product = decimal.Decimal(number) * 1024 ** _OPTION_POWERS[prefix.lower()]
    return int(product.to_integral_value(rounding=decimal.ROUND_FLOOR))


def format_bytes(count):
    """A byte count for humans, binary with IEC names: 1610612736 -> "1.5 GiB"."""
    sign = "-" if count < 0 else ""
    value = float(abs(count))
    index = 0
    while value >= 1024 and index < len(_IEC_NAMES) - 1:
        value /= 1024
        index += 1
    if index == 0:
        return "%s%d B" % (sign, int(value))
    return "%s%s %s" % (sign, "{:.4g}".format(value), _IEC_NAMES[index])
