"""Read Docker's own records of its thin devices.

``/var/lib/docker/devicemapper/metadata/`` holds one small JSON file per thin device,
and ``docker inspect`` names the thin device behind each image and container. Together they
tell which device id in the pool belongs to what, which is what a cleanup has to know. Either
is read whole: a cut file or an excerpt (a bare ``"GraphDriver": {...}``) is refused.
"""

import re
from typing import NamedTuple, Optional

from guardian.errors import ParseError
from guardian.observe.captured import load_json


class DeviceMetadata(NamedTuple):
    """One ``metadata/<hash>`` file: a thin device as Docker's deviceset knows it."""

    device_id: int
    size_bytes: int
    transaction_id: int
    initialized: bool
    deleted: bool


class Transaction(NamedTuple):
    """``metadata/transaction-metadata``: the device Docker's last transaction was about. It is open
    while its id is above the pool's own transaction id (dmsetup status): Docker has created or is
    deleting ``device_id`` and not yet written, or removed, its ``metadata/<hash>`` file."""

    open_transaction_id: int
    device_hash: str
    device_id: int


class GraphDriverDevice(NamedTuple):
    """``GraphDriver`` of one inspected image or container; device fields None off devicemapper."""

    driver: Optional[str]
    device_id: Optional[int] = None
    device_name: Optional[str] = None
    device_size_bytes: Optional[int] = None


def parse_device_metadata(text):
    """A ``metadata/<hash>`` file -> DeviceMetadata."""
    obj = _object(text, "device metadata")
    return DeviceMetadata(_field(obj, "device_id", int, "device metadata"),
                          _field(obj, "size", int, "device metadata"),
                          _field(obj, "transaction_id", int, "device metadata"),
                          _field(obj, "initialized", bool, "device metadata"),
                          _field(obj, "deleted", bool, "device metadata"))


def parse_device_claim(text):
    """(device id, marked deleted) of a ``metadata/<hash>`` file. Only "device_id" must be there:
    it is what keeps a device from being taken for an orphan, and files an older Docker wrote may
    lack the rest ("deleted" came with deferred deletion)."""
    obj = _object(text, "device metadata")
    return _field(obj, "device_id", int, "device metadata"), obj.get("deleted") is True


def parse_transaction_metadata(text):
    """A ``metadata/transaction-metadata`` file -> Transaction."""
    obj = _object(text, "transaction metadata")
    return Transaction(_field(obj, "open_transaction_id", int, "transaction metadata"),
                       _field(obj, "device_hash", str, "transaction metadata"),
                       _field(obj, "device_id", int, "transaction metadata"))


def parse_graphdriver(text_or_obj):
    """The one GraphDriver in ``docker inspect`` output (array, object, or the GraphDriver itself)."""
    devices = parse_graphdrivers(text_or_obj)
    if len(devices) != 1:
        raise ParseError("docker inspect: expected one object, got %d (use parse_graphdrivers)" % len(devices))
    return devices[0]


def parse_graphdrivers(text_or_obj):
    """Every GraphDriver in ``docker inspect`` output (its JSON array, whole), in order."""
    obj = load_json(text_or_obj, "docker inspect") if isinstance(text_or_obj, str) else text_or_obj
    items = obj if isinstance(obj, list) else [obj]
    return [_graphdriver(item) for item in items]


def _graphdriver(item):
    if not isinstance(item, dict):
        raise ParseError("docker inspect: expected an object, got %s" % type(item).__name__)
    graph = item.get("GraphDriver", item)
    if not isinstance(graph, dict) or "Name" not in graph:
        raise ParseError("docker inspect: no GraphDriver with a 'Name' found (keys: %s)"
                         % ", ".join(sorted(item)))
    data = graph.get("Data") or {}
    if not isinstance(data, dict) or not isinstance(graph["Name"] or "", str):
        raise ParseError("docker inspect: GraphDriver must have a string Name and an object Data, got %s"
                         % repr(graph)[:80])
    return GraphDriverDevice(graph["Name"] or None, _optional_int(data, "DeviceId"),
                             data.get("DeviceName") or None, _optional_int(data, "DeviceSize"))


def _object(text, what):
    obj = load_json(text, what)
    if not isinstance(obj, dict):
        raise ParseError("%s: expected a JSON object, got %s" % (what, type(obj).__name__))
    return obj


def _field(obj, key, kind, what):
    value = obj.get(key)
    # bool is an int in Python: never let true/false pass for a number, or 1 for a flag.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ParseError("%s: %r must be %s, got %r" % (what, key, kind.__name__, value))
    return value


def _optional_int(data, key):
    """Docker stores these numbers as strings ("DeviceId": "139")."""
    value = data.get(key)
    if value in (None, ""):
        return None
    if not re.match(r"^[0-9]{1,20}$", str(value)):      # '²'.isdigit() is True; int('²') fails
        raise ParseError("docker inspect: GraphDriver.Data.%s must be a whole number, got %r" % (key, value))
    return int(value)
