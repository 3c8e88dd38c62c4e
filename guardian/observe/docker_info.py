"""Read what Docker says about its devicemapper pool: ``docker info`` text or ``GET /info``.

Docker's figures are rounded (4 significant decimal digits) and come from the same
kernel status we read with dmsetup; we still read them because they name the pool,
say which driver is in use, and carry Docker's own limits (minimum free space, base
device size) and warnings. Every label the devicemapper driver ever printed, from the
0.7-dev prototype to 23.0, maps to one DockerInfo field; the rest is ignored.
"""

import math
import re
from typing import NamedTuple, Optional, Tuple

from guardian.errors import ParseError
from guardian.observe.captured import load_json, quoted, unwrapped
from guardian.units import parse_docker_size

# dm-thin blocks are whole multiples of 64 KiB; Docker rounds them to "65.54 kB".
POOL_BLOCK_GRAIN = 64 * 1024
# go-units HumanSize prints 4 significant digits: off by at most half a unit in the 4th.
HUMAN_SIZE_PRECISION = 0.0005


class DockerInfo(NamedTuple):
    """Docker's view of its storage; a field is None when this output did not carry it."""

    storage_driver: Optional[str] = None
    pool_name: Optional[str] = None
    pool_blocksize_bytes: Optional[int] = None
    base_device_size_bytes: Optional[int] = None
    backing_filesystem: Optional[str] = None
    data_file: Optional[str] = None
    metadata_file: Optional[str] = None
    data_used_bytes: Optional[int] = None
    data_total_bytes: Optional[int] = None
    data_available_bytes: Optional[int] = None
    metadata_used_bytes: Optional[int] = None
    metadata_total_bytes: Optional[int] = None
    metadata_available_bytes: Optional[int] = None
    min_free_bytes: Optional[int] = None
    udev_sync_supported: Optional[bool] = None
    deferred_removal: Optional[bool] = None
    deferred_deletion: Optional[bool] = None
    deferred_deleted_count: Optional[int] = None
    data_loop_file: Optional[str] = None
    metadata_loop_file: Optional[str] = None
    library_version: Optional[str] = None
    server_version: Optional[str] = None
    kernel_version: Optional[str] = None
    docker_root_dir: Optional[str] = None
    warnings: Tuple[str, ...] = ()


def _text(value):
    return value or None


def _name(value):
    """A device-mapper name as Docker prints it: one word ("docker-253:0-278707-pool")."""
    if len(value.split()) > 1:
        raise ValueError("a pool name is one word")
    return value or None


def _bool(value):
    if value not in ("true", "false"):
        raise ValueError("expected true or false")
    return value == "true"


def _count(value):
    if not re.match(r"^[0-9]{1,18}$", value):      # '²'.isdigit() is True; int('²') is not
        raise ValueError("expected a whole number")
    return int(value)


def _size(value):
    """A size as go-units prints it: always with a unit ("0 B"); a bare number is a cut-off
    paste ("567" of "567.7 MB"), and anything above 2^64 bytes is not a pool."""
    if re.match(r"^\s*[0-9.]+\s*$", value):
        raise ValueError("a size without a unit (cut off?)")
    if len(value) > 40:
        raise ValueError("not a size Docker prints")
    size = parse_docker_size(value)
    if size >= 2 ** 64:
        raise ValueError("larger than any pool")
    return size


def _pool_block(value):
    """Undo Docker's 4-digit rounding ("65.54 kB", "1.074 GB") of the pool block size.

    dm-thin allows whole multiples of 64 KiB; Docker and LVM pick powers of two. Prefer the
    power of two the printed figure can stand for; else the nearest 64 KiB multiple.
    """
    printed = _size(value)
    if printed <= 0:
        raise ValueError("a pool block size must be positive")
    power = 2 ** int(round(math.log(printed, 2)))
    if abs(power - printed) <= printed * HUMAN_SIZE_PRECISION:
        return power
    return max(1, int(round(printed / POOL_BLOCK_GRAIN))) * POOL_BLOCK_GRAIN


# The label Docker prints -> (DockerInfo field, converter). Same labels in text and API.
LABELS = {
    "Storage Driver": ("storage_driver", _text),
    "Driver": ("storage_driver", _text),  # 0.7-dev
    "Pool Name": ("pool_name", _name),
    "Pool Blocksize": ("pool_blocksize_bytes", _pool_block),
    "Base Device Size": ("base_device_size_bytes", _size),
    "Backing Filesystem": ("backing_filesystem", _text),
    "Data file": ("data_file", _text),
    "Metadata file": ("metadata_file", _text),
    "Data Space Used": ("data_used_bytes", _size),
    "Data Space Total": ("data_total_bytes", _size),
    "Data Space Available": ("data_available_bytes", _size),
    "Metadata Space Used": ("metadata_used_bytes", _size),
    "Metadata Space Total": ("metadata_total_bytes", _size),
    "Metadata Space Available": ("metadata_available_bytes", _size),
    "Thin Pool Minimum Free Space": ("min_free_bytes", _size),
    "Udev Sync Supported": ("udev_sync_supported", _bool),
    "Deferred Removal Enabled": ("deferred_removal", _bool),
    "Deferred Deletion Enabled": ("deferred_deletion", _bool),
    "Deferred Deleted Device Count": ("deferred_deleted_count", _count),
    "Data loop file": ("data_loop_file", _text),
    "Metadata loop file": ("metadata_loop_file", _text),
    "Library Version": ("library_version", _text),
    "Server Version": ("server_version", _text),
    "Kernel Version": ("kernel_version", _text),
    "Docker Root Dir": ("docker_root_dir", _text),
}
# Any of these shows the text is docker info even when a grep cut the driver line.
_POOL_EVIDENCE = ("storage_driver", "pool_name", "data_used_bytes", "data_total_bytes",
                  "metadata_used_bytes", "metadata_total_bytes")
# The command line a paste may start with: docker info (any options), or curl of the API's /info.
_COMMAND = r"(?:docker\b.*\binfo\b|curl\b.*/info\b)"
# Every line docker info prints is 'Label: value' or 'Label:', but for the items of a list under a
# 'Label:' (registries, security options) and the continuation lines of a WARNING.
_LABEL_LINE = re.compile(r"^([A-Za-z][\w .()/-]*?):(?:\s+(.*))?$")
# What the client prints instead when it reached no daemon.
_FAILED = re.compile(r"^(?:ERROR:|Error response from daemon:|Cannot connect to the Docker daemon|"
                     r"Got permission denied)")
# The /info object, or its DriverStatus list ('[["Pool Name", ...'); not an elision ('[...]').
_JSON_START = re.compile(r'\s*(?:\{|\[\s*[\[\]"{])')
_TOP_LEVEL = {"Driver": "Driver", "ServerVersion": "Server Version", "KernelVersion": "Kernel Version",
              "DockerRootDir": "Docker Root Dir"}


def parse_docker_info(text):
    """What support receives: ``docker info`` text, or the Engine API's JSON (``GET /info``,
    ``docker info --format '{{json .}}'``, or a decoded object), either perhaps pasted under the
    prompt line that ran it or inside a ``` code fence."""
    if not isinstance(text, str):
        return parse_docker_info_api(text)
    body = unwrapped(text, "docker info", _COMMAND)
    if _JSON_START.match(body):
        return parse_docker_info_api(body)
    return parse_docker_info_text(body)


def parse_docker_info_text(text):
    """``docker info`` text, any Docker version; only the Server section counts. A line that
    docker info does not print (markdown, an elision, a note) is refused with its number."""
    lines = text.splitlines()
    server = _server_section(lines)
    failed = [line.strip() for line in lines[server:] if _FAILED.match(line.strip())]
    pairs, warnings = _scan_text(lines, server) if not failed else ([], ())
    info = _build(pairs, warnings, "docker info")
    if not any(getattr(info, field) is not None for field in _POOL_EVIDENCE):
        raise ParseError("docker info: no 'Storage Driver' or 'Driver' field found (nor any pool line); "
                         "%s" % _hint(text, failed))
    return info


def parse_docker_info_api(obj_or_text):
    """``GET /info`` as a dict or JSON text, or its DriverStatus list alone
    (``docker info --format '{{json .DriverStatus}}'``); JSON that is cut short is refused."""
    obj = load_json(obj_or_text, "docker info") if isinstance(obj_or_text, str) else obj_or_text
    if isinstance(obj, list):
        return _build(_pairs_of(obj), (), "docker info JSON")
    if not isinstance(obj, dict):
        raise ParseError("docker info JSON: expected an object or a DriverStatus list, got %s"
                         % type(obj).__name__)
    return _from_api_object(obj)


def _from_api_object(obj):
    if "Driver" not in obj:
        raise ParseError("docker info JSON: no 'Driver' key, so not Docker's /info (keys: %s)"
                         % _short(sorted(obj)))
    if not isinstance(obj["Driver"], str):
        raise ParseError("docker info JSON: Driver must be a string, got %s" % _short(obj["Driver"]))
    pairs = [(label, obj[key]) for key, label in _TOP_LEVEL.items() if isinstance(obj.get(key), str)]
    warnings = obj.get("Warnings") or []
    if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
        raise ParseError("docker info JSON: Warnings must be a list of strings, got %s" % _short(warnings))
    warnings = tuple(_one_line(warning) for warning in warnings)
    return _build(pairs + _pairs_of(obj.get("DriverStatus") or []), warnings, "docker info JSON")


def _pairs_of(status):
    if not isinstance(status, list) or not all(_is_pair(item) for item in status):
        raise ParseError("docker info JSON: DriverStatus must be a list of [label, value] string pairs, got %s"
                         % _short(status))
    return [tuple(item) for item in status]


def _is_pair(item):
    return isinstance(item, (list, tuple)) and len(item) == 2 and all(isinstance(x, str) for x in item)


def _server_section(lines):
    """Where the Server section starts: 19.03+ prints Client: then Server:, and the client's
    lines would only mislead."""
    return next((index + 1 for index, line in enumerate(lines) if line.rstrip() == "Server:"), 0)


def _scan_text(lines, server):
    """(label, value) pairs of the Server section in order, and its WARNING paragraphs joined onto
    one line each; every line, the Client's too, must be one docker info prints."""
    pairs, warnings = [], []
    warning_indent = list_indent = None     # the WARNING or the 'Label:' whose lines follow
    in_list = False                         # right under a list's label or its items: any indent
    for number, line in enumerate(lines, 1):
        clean = line.strip()
        indent = len(line) - len(line.lstrip())
        match = _LABEL_LINE.match(clean)
        known = bool(match) and match.group(1) in LABELS
        if not clean:
            warning_indent = list_indent = None
            in_list = False
        elif clean.startswith("WARNING:"):
            warnings.append([number, clean])
            warning_indent = indent
        elif warning_indent is not None and indent > warning_indent and not known:
            warnings[-1][1] += " " + clean  # "         Use `--storage-opt dm.thinpooldev` ..."
        elif match is None:
            if list_indent is None or not (in_list or indent > list_indent):
                raise ParseError("docker info: not docker info output at line %d: %s"
                                 % (number, quoted(clean)))
            warning_indent = None
        else:
            warning_indent = None
            if list_indent is not None and indent <= list_indent:
                list_indent = None
            label, value = match.group(1), match.group(2) or ""
            in_list = not value.strip()
            if in_list:
                list_indent = indent
            if known and number > server:
                pairs.append((label, value))
    return pairs, tuple(text for number, text in warnings if number > server)


def _build(pairs, warnings, source):
    """DockerInfo from (label, value) pairs; the first time a label appears wins."""
    values = {}
    for label, value in pairs:
        field, convert = LABELS.get(label, (None, None))
        if field is None or field in values:
            continue
        try:
            values[field] = convert(value.strip())
        except (ValueError, ParseError) as error:
            raise ParseError("%s: %r has value %r: %s" % (source, label, value[:60], error))
    _check_figures(values, source)
    return DockerInfo(warnings=tuple(warnings), **values)


def _check_figures(values, source):
    """Figures no pool can have: nothing in total, or more used than there is."""
    for space in ("data", "metadata"):
        used, total = values.get(space + "_used_bytes"), values.get(space + "_total_bytes")
        if total == 0:
            raise ParseError("%s: %s space total is 0 B: not a pool's figure" % (source, space.title()))
        if used is not None and total is not None and used > total:
            raise ParseError("%s: %s space used (%d B) is more than its total (%d B)" % (
                source, space.title(), used, total))


def _short(value):
    """A value quoted in a problem line, cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _one_line(warning):
    return " ".join(part.strip() for part in warning.splitlines() if part.strip())


def _hint(text, failed):
    """What the output said instead: the client's error line, or else its first line."""
    if failed:
        return "it says %r" % failed[0][:120]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "first line: %r" % (lines[0][:80] if lines else "")

