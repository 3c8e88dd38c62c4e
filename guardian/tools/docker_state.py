"""Docker's own files under its root directory: what the operator tools read when dockerd is down.

    containers/<id>/config.v2.json                   name and state of each container
    image/devicemapper/layerdb/mounts/<id>/mount-id  the thin device (hash) of a container's rw layer
    image/devicemapper/layerdb/sha256/<chain>/cache-id   the thin device of an image layer
    devicemapper/metadata/<hash>                     device id and size of each thin device

Docker writes config.v2.json on every state change, so it stays true while dockerd runs too.
"""
import hashlib
import json
import os
from typing import NamedTuple, Optional

from guardian.errors import GuardianError, ParseError
from guardian.host.devices import major_minor
from guardian.observe.docker_files import parse_device_metadata

DEFAULT_ROOT = "/var/lib/docker"
DAEMON_JSON = "/etc/docker/daemon.json"
LAYERDB = os.path.join("image", "devicemapper", "layerdb")


class ContainerRecord(NamedTuple):
    id: str
    name: str               # without Docker's leading "/"
    running: bool
    pid: int
    mount_id: Optional[str]  # the hash of its thin device; None when layerdb has no entry


class ThinDevice(NamedTuple):
    """One of Docker's thin devices, as its metadata file records it."""
    hash: str
    device_id: int
    size_bytes: int
    deleted: bool
    metadata_path: str


def docker_root(flag=None, daemon_json=DAEMON_JSON):
    """--docker-root, else daemon.json's data-root (or the older graph), else /var/lib/docker."""
    if flag:
        return flag
    try:
        with open(daemon_json) as handle:
            config = json.load(handle)
    except FileNotFoundError:
        return DEFAULT_ROOT
    except (OSError, ValueError) as exc:
        raise GuardianError("{}: cannot read Docker's root directory from it ({}); give --docker-root".format(
            daemon_json, getattr(exc, "strerror", None) or exc))
    return (isinstance(config, dict) and (config.get("data-root") or config.get("graph"))) or DEFAULT_ROOT


def read_text(path):
    with open(path) as handle:
        return handle.read()


def container_record(root, container_id):
    """A container from its config.v2.json and layerdb mount-id."""
    path = os.path.join(root, "containers", container_id, "config.v2.json")
    try:
        config = json.loads(read_text(path))
        state = config.get("State") or {}
        record = ContainerRecord(config["ID"], config.get("Name", "").lstrip("/"), bool(state.get("Running")),
                                 int(state.get("Pid") or 0), None)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ParseError("{}: not a container config ({})".format(path, exc))
    return record._replace(mount_id=mount_id(root, record.id))


def mount_id(root, container_id):
    try:
        return read_text(os.path.join(root, LAYERDB, "mounts", container_id, "mount-id")).strip() or None
    except FileNotFoundError:
        return None


def list_containers(root):
    """Every container Docker has on disk; an unreadable one is skipped, never fatal."""
    try:
        ids = sorted(os.listdir(os.path.join(root, "containers")))
    except FileNotFoundError:
        raise GuardianError("{}: no containers directory: is this Docker's root? (give --docker-root)".format(
            root))
    return _readable(lambda container_id: container_record(root, container_id), ids, (OSError, ParseError))


def find_container(records, query):
    """The one container named query, or whose id is or starts with it (as docker does)."""
    name = query.lstrip("/")
    exact = [r for r in records if r.id == query or r.name == name]
    if exact:
        return exact[0]
    prefixed = [r for r in records if r.id.startswith(query)]
    if len(prefixed) == 1:
        return prefixed[0]
    if prefixed:
        raise GuardianError("container {!r} is ambiguous: {} ids start with it".format(query, len(prefixed)))
    raise GuardianError("no container {!r} in Docker's files".format(query))


def metadata_dir(root):
    return os.path.join(root, "devicemapper", "metadata")


def thin_device(root, device_hash):
    """devicemapper/metadata/<hash> as a ThinDevice; a missing or bad file is a one-line error."""
    path = os.path.join(metadata_dir(root), device_hash)
    try:
        meta = parse_device_metadata(read_text(path))
    except FileNotFoundError:
        raise GuardianError("{}: no such file: Docker has no thin device {}".format(path, device_hash[:12]))
    except ParseError as exc:
        raise ParseError("{}: {}".format(path, exc))
    return ThinDevice(device_hash, meta.device_id, meta.size_bytes, meta.deleted, path)


def thin_devices(root):
    """Every device file Docker would load (it skips dot files and its two bookkeeping files)."""
    names = [n for n in sorted(os.listdir(metadata_dir(root)))
             if not n.startswith(".") and n not in ("deviceset-metadata", "transaction-metadata")]
    return _readable(lambda name: thin_device(root, name), names, (OSError, GuardianError))


def _readable(read, names, errors):
    """read(name) for every name it can read: one broken file must not hide the rest."""
    found = []
    for name in names:
        try:
            found.append(read(name))
        except errors:
            continue
    return found


def docker_device_name(root, device_hash):
    """Docker's dm name: docker-MAJ:MIN-INODE of its devicemapper directory, then the hash (deviceset.go)."""
    st = os.stat(os.path.join(root, "devicemapper"))
    return "docker-{}-{}-{}".format(major_minor(st.st_dev), st.st_ino, device_hash or "base")


def image_layers(root):
    """{thin device hash: 'busybox:latest layer 1/1'} for every layer of every image on disk."""
    names = image_names(root)
    labels = {}
    content = os.path.join(root, "image", "devicemapper", "imagedb", "content", "sha256")
    for image_hex in sorted(_listdir(content)):
        try:
            diff_ids = json.loads(read_text(os.path.join(content, image_hex)))["rootfs"]["diff_ids"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        image = ", ".join(names.get("sha256:" + image_hex, [])) or "image " + image_hex[:12]
        for index, chain in enumerate(chain_ids(diff_ids)):
            cache_id = _cache_id(root, chain)
            if cache_id:
                labels.setdefault(cache_id, "{} layer {}/{}".format(image, index + 1, len(diff_ids)))
    return labels


def chain_ids(diff_ids):
    """Docker's layer chain ids: the first diff id, then sha256 of 'PARENT_CHAIN DIFF_ID' (image spec)."""
    chains = []
    for diff_id in diff_ids:
        if chains:
            diff_id = "sha256:" + hashlib.sha256("{} {}".format(chains[-1], diff_id).encode()).hexdigest()
        chains.append(diff_id)
    return chains


def image_names(root):
    """{image id: [repo:tag, ...]} from repositories.json."""
    try:
        repos = json.loads(read_text(os.path.join(root, "image", "devicemapper", "repositories.json")))
    except (OSError, ValueError):
        return {}
    names = {}
    for tags in (repos.get("Repositories") or {}).values():
        for tag, image_id in sorted(tags.items()):
            names.setdefault(image_id, []).append(tag)
    return names


def _cache_id(root, chain):
    try:
        return read_text(os.path.join(root, LAYERDB, "sha256", chain.split(":", 1)[-1], "cache-id")).strip()
    except OSError:
        return None


def _listdir(path):
    try:
        return os.listdir(path)
    except OSError:
        return []
