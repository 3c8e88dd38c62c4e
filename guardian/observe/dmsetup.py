"""Read ``dmsetup status`` and ``dmsetup table``.

The kernel's dm-thin status line is the only number that tells how full the pool
really is (Docker's own figures are rounded and can be minutes old), so it is read
field by field in the order dm-thin.c ``pool_status()`` emits them::

    <transaction id> <used meta>/<total meta> <used data>/<total data> <held root|->
    <rw|ro|out_of_data_space> <discard_passdown|no_discard_passdown|ignore_discard>
    <queue_if_no_space|error_if_no_space> <needs_check|-> <metadata low water mark>

Older kernels stop early (3.2 after the held root; early RHEL 7 after the discard
word; later RHEL 7 after needs_check); a failed pool prints only ``Fail``, and a pool
whose metadata cannot be read prints only ``Error``. Fields a kernel does not print
are None, never guessed.
"""

import re
from typing import NamedTuple, Optional, Tuple

from guardian.errors import ParseError

SECTOR_BYTES = 512
NO_DEVICES = "No devices found"
FAILED_WORDS = ("Fail", "Error")

_TARGET = re.compile(r"^(\d+)\s+(\d+)\s+(\S+)(?:\s+(.*))?$", re.ASCII)
_NAMED = re.compile(r"^(\S.*?):\s+(\d+\s+\d+\s+\S.*)$", re.ASCII)
# `dmsetup table -v` / `status -v` print the device's info block before its targets.
_VERBOSE_HEADER = re.compile(r"^(Name|State|Read Ahead|Tables present|Open count|Event number|Major, minor|"
                             r"Number of targets|UUID):\s*(.*)$")
_CONTINUATION = re.compile(r"^[\d-]", re.ASCII)
_POOL_WORDS = (
    ("mode", ("rw", "ro", "out_of_data_space")),
    ("discard", ("discard_passdown", "no_discard_passdown", "ignore_discard")),
    ("no_space_policy", ("queue_if_no_space", "error_if_no_space")),
)


class OtherTarget(NamedTuple):
    """A target we do not interpret (linear, snapshot, raid ...), kept so no line is lost."""

    name: Optional[str]
    start: int
    length_sectors: int
    target_type: str
    args: Tuple[str, ...]


class ThinPoolStatus(NamedTuple):
    """One thin-pool status line; block counts are in pool blocks (see ThinPoolTable)."""

    name: Optional[str]
    start: int
    length_sectors: int
    transaction_id: Optional[int] = None
    metadata_used_blocks: Optional[int] = None
    metadata_total_blocks: Optional[int] = None
    data_used_blocks: Optional[int] = None
    data_total_blocks: Optional[int] = None
    held_metadata_root: Optional[int] = None
    mode: Optional[str] = None
    discard: Optional[str] = None
    no_space_policy: Optional[str] = None
    needs_check: Optional[bool] = None
    metadata_low_watermark: Optional[int] = None
    failed: Optional[str] = None

    @property
    def data_used_percent(self):
        """Share of data blocks in use, 0-100; None when the pool failed."""
        return _percent(self.data_used_blocks, self.data_total_blocks)

    @property
    def metadata_used_percent(self):
        """Share of metadata blocks in use, 0-100; None when the pool failed."""
        return _percent(self.metadata_used_blocks, self.metadata_total_blocks)


class ThinStatus(NamedTuple):
    """One thin volume: how much of it the pool has really allocated."""

    name: Optional[str]
    start: int
    length_sectors: int
    mapped_sectors: Optional[int] = None
    highest_mapped_sector: Optional[int] = None
    failed: Optional[str] = None


class ThinPoolTable(NamedTuple):
    """How a thin pool was built: its devices, block size and feature words."""

    name: Optional[str]
    start: int
    length_sectors: int
    metadata_dev: str
    data_dev: str
    data_block_sectors: int
    low_water_mark_blocks: int
    features: Tuple[str, ...]

    @property
    def data_block_bytes(self):
        """Size of one pool block: turns the status block counts into bytes."""
        return self.data_block_sectors * SECTOR_BYTES


class ThinTable(NamedTuple):
    """A thin volume's table: which pool, which device id inside it."""

    name: Optional[str]
    start: int
    length_sectors: int
    pool_dev: str
    device_id: int
    external_origin: Optional[str] = None


class _Line(NamedTuple):
    source: str
    number: int
    name: Optional[str]
    start: int
    length: int
    target: str
    args: Tuple[str, ...]
    text: str

    def error(self, message):
        text = self.text if len(self.text) <= 120 else self.text[:117] + "..."
        return ParseError("%s line %d: %s: %r" % (self.source, self.number, message, text))


def parse_status(text):
    """``dmsetup status [NAME]`` -> ThinPoolStatus / ThinStatus / OtherTarget, in order."""
    return [_STATUS.get(line.target, _other)(line) for line in _pool_lines(text, "dmsetup status")]


def parse_table(text):
    """``dmsetup table [NAME]`` (also ``-v``) -> ThinPoolTable / ThinTable / OtherTarget."""
    return [_TABLE.get(line.target, _other)(line) for line in _pool_lines(text, "dmsetup table")]


def _pool_lines(text, source):
    """Target lines; one device's output names nothing, so two nameless pools cannot be told apart,
    and a pool of length 0 is not one the kernel would show."""
    lines = _target_lines(text, source)
    pools = [line for line in lines if line.target == "thin-pool"]
    if sum(1 for line in pools if line.name is None) > 1:
        raise ParseError("%s: %d thin-pool lines without device names (capture 'dmsetup %s' without "
                         "a NAME)" % (source, len(pools), source.split()[-1]))
    for line in pools:
        if line.length == 0:
            raise line.error("a thin-pool of length 0 is impossible")
    return lines


def _no_devices(text, source):
    """True for dmsetup's own 'nothing here' answer; empty text is an error, not 'none'."""
    stripped = text.strip()
    if not stripped:
        raise ParseError("%s: empty output" % source)
    return stripped == NO_DEVICES


def _target_lines(text, source):
    """Split output into target lines, joining a line a docs writer wrapped."""
    if _no_devices(text, source):
        return []
    lines = []
    verbose_name = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        named = _NAMED.match(line)
        name, body = named.groups() if named else (verbose_name, line)
        target = _TARGET.match(body)
        if target:
            lines.append(_new_line(source, number, name, target, line))
        elif _VERBOSE_HEADER.match(line):
            verbose_name = _verbose_name(line, verbose_name)
        elif lines and _CONTINUATION.match(line):
            lines[-1] = _join(lines[-1], line)
        else:
            raise ParseError("%s line %d: not a target line ('[NAME: ]START LENGTH TARGET ARGS'): %r"
                             % (source, number, raw))
    return lines


def _new_line(source, number, name, target, text):
    start, length, target_type, rest = target.groups()
    if max(len(start), len(length)) > 20:
        raise ParseError("%s line %d: start or length beyond any device: %r" % (source, number, text[:120]))
    return _Line(source, number, name, int(start), int(length), target_type,
                 tuple((rest or "").split()), text)


def _verbose_name(line, current):
    label, value = _VERBOSE_HEADER.match(line).groups()
    return value.strip() if label == "Name" else current


def _join(previous, line):
    return previous._replace(args=previous.args + tuple(line.split()),
                             text=previous.text + " " + line)


def _other(line):
    return OtherTarget(line.name, line.start, line.length, line.target, line.args)


def _pool_status(line):
    args = line.args
    if _failed(args):
        return ThinPoolStatus(line.name, line.start, line.length, failed=args[0])
    if len(args) < 4:
        raise line.error("thin-pool status needs at least 4 values after 'thin-pool' (transaction id, "
                         "metadata used/total, data used/total, held root), got %d" % len(args))
    values = dict(transaction_id=_int(line, args[0], "transaction id"),
                  held_metadata_root=_int_or_dash(line, args[3], "held metadata root"))
    values["metadata_used_blocks"], values["metadata_total_blocks"] = _fraction(line, args[1], "metadata")
    values["data_used_blocks"], values["data_total_blocks"] = _fraction(line, args[2], "data")
    for (field, words), word in zip(_POOL_WORDS, args[4:7]):
        values[field] = _word(line, word, field, words)
    if len(args) > 7:
        values["needs_check"] = _word(line, args[7], "needs_check", ("needs_check", "-")) == "needs_check"
    if len(args) > 8:
        values["metadata_low_watermark"] = _int(line, args[8], "metadata low water mark")
    return ThinPoolStatus(line.name, line.start, line.length, **values)


def _thin_status(line):
    args = line.args
    if _failed(args):
        return ThinStatus(line.name, line.start, line.length, failed=args[0])
    if args == ("-",):  # dm-thin.c: the thin device is not (yet) in the pool's metadata
        return ThinStatus(line.name, line.start, line.length)
    if len(args) < 2:
        raise line.error("thin status needs mapped sectors and highest mapped sector, got %d values"
                         % len(args))
    return ThinStatus(line.name, line.start, line.length,
                      mapped_sectors=_int(line, args[0], "mapped sectors"),
                      highest_mapped_sector=_int_or_dash(line, args[1], "highest mapped sector"))


def _pool_table(line):
    args = line.args
    if len(args) < 5:
        raise line.error("thin-pool table needs metadata dev, data dev, block size, low water mark "
                         "and feature count, got %d values" % len(args))
    count = _int(line, args[4], "feature count")
    if len(args) - 5 != count:
        raise line.error("thin-pool table announces %d feature args but has %d" % (count, len(args) - 5))
    block = _int(line, args[2], "data block size")
    if block == 0 or block % 128:
        raise line.error("data block size %d sectors is impossible (dm-thin takes multiples of 128)" % block)
    return ThinPoolTable(line.name, line.start, line.length, args[0], args[1],
                         block, _int(line, args[3], "low water mark"), tuple(args[5:]))


def _thin_table(line):
    args = line.args
    if len(args) not in (2, 3):
        raise line.error("thin table needs pool dev, device id and optional external origin, got %d values"
                         % len(args))
    origin = args[2] if len(args) == 3 else None
    return ThinTable(line.name, line.start, line.length, args[0], _int(line, args[1], "device id"), origin)


_STATUS = {"thin-pool": _pool_status, "thin": _thin_status}
_TABLE = {"thin-pool": _pool_table, "thin": _thin_table}


def _failed(args):
    return len(args) == 1 and args[0] in FAILED_WORDS


_ASCII_NUMBER = re.compile(r"^[0-9]{1,20}$")   # str.isdigit() takes '²', which int() refuses


def _int(line, word, what):
    if not _ASCII_NUMBER.match(word):
        raise line.error("%s must be a whole number, got %r" % (what, word[:40]))
    if int(word) >= 2 ** 64:
        raise line.error("%s %s is above 2^64, not a kernel figure" % (what, word))
    return int(word)


def _int_or_dash(line, word, what):
    return None if word == "-" else _int(line, word, what)


def _fraction(line, word, what):
    used, slash, total = word.partition("/")
    if not slash:
        raise line.error("%s usage must be USED/TOTAL blocks, got %r" % (what, word))
    used, total = _int(line, used, what + " used blocks"), _int(line, total, what + " total blocks")
    if total == 0 or used > total:
        raise line.error("%s usage %s/%s is impossible (%s)" % (
            what, used, total, "no blocks at all" if total == 0 else "more used than there is"))
    return used, total


def _word(line, word, what, allowed):
    if word not in allowed:
        raise line.error("%s must be one of %s, got %r" % (what, ", ".join(allowed), word))
    return word


def _percent(used, total):
    if used is None or not total:
        return None
    return 100.0 * used / total
