"""Load and validate the YAML config against the schema, naming key path and line on any error.

The daemon runs as root and removes containers on this file's word, so the file is read the way a
hostile one would be met: without following it into a FIFO or a device, without blocking, with a
size limit, as UTF-8 whatever the locale, and only when no user other than root could have written it.
"""
import os
import stat

import yaml

from guardian.config.schema import SCHEMA, Option, settings_type
from guardian.errors import ConfigError
from guardian.host.files import UnfitFile, read_small_file

DEFAULT_PATH = "/etc/pool-guardian/config.yaml"
MAX_BYTES = 1 << 20          # a real config is under 10 KiB
MAX_NODES = 10000            # after aliases are expanded: stops a billion laughs
MAX_DEPTH = 20               # the schema is 4 deep


def load_config(path=DEFAULT_PATH, trusted_uids=None):
    """Settings from a file; a missing default file means the built-in defaults."""
    return load_config_or_defaults(path, trusted_uids)[0]


def load_config_or_defaults(path=DEFAULT_PATH, trusted_uids=None):
    """(settings, True) from the file; (the built-in defaults, False) when the default file does not
    exist, so that check-config can say which of the two is in force."""
    try:
        data = read_config_bytes(path, trusted_uids)
    except FileNotFoundError:
        if path == DEFAULT_PATH:
            return load_config_text("", path), False
        raise ConfigError("config {}: no such file".format(path))
    except OSError as exc:
        raise ConfigError("config {}: cannot read: {}".format(path, exc.strerror))
    return load_config_text(decode_config(data, path), path), True


def default_trusted_uids():
    """Who may own the file: root; and, when we are not root (a developer, the unit tests), us."""
    euid = os.geteuid()
    return frozenset((0,)) if euid == 0 else frozenset((0, euid))


def read_config_bytes(path, trusted_uids=None):
    """The file's bytes: a regular file of at most MAX_BYTES, owned by a trusted uid, writable by
    its owner only."""
    trusted = default_trusted_uids() if trusted_uids is None else trusted_uids
    try:
        return read_small_file(path, MAX_BYTES, lambda info: check_config_file(info, path, trusted))
    except UnfitFile as exc:
        raise ConfigError("config {}: {}".format(path, exc))


def check_config_file(info, path, trusted_uids):
    """Refuse a file that a user other than a trusted one could change."""
    if info.st_uid not in trusted_uids:
        raise ConfigError("config {}: owned by uid {}, not by {}: refused (it decides what is removed)"
                          .format(path, info.st_uid, " or ".join(str(uid) for uid in sorted(trusted_uids))))
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise ConfigError("config {}: writable by group or others (mode {:04o}): refused; chmod go-w"
                          .format(path, stat.S_IMODE(info.st_mode)))


def decode_config(data, source):
    """UTF-8 text (a BOM allowed), whatever the locale; a NUL or a non-UTF-8 byte names its line."""
    if b"\0" in data:
        raise ConfigError("config {} line {}: a NUL byte".format(source, data[:data.index(b"\0")].count(b"\n") + 1))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError("config {} line {}: not UTF-8 (byte 0x{:02x})".format(
            source, data[:exc.start].count(b"\n") + 1, data[exc.start]))


def load_config_text(text, source="<config>"):
    """Settings from YAML text: unknown keys, wrong types and contradictions are errors."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = " line {}".format(mark.line + 1) if mark else ""
        raise ConfigError("config {}{}: not valid YAML: {}".format(
            source, where, getattr(exc, "problem", None) or exc))
    except RecursionError:
        raise ConfigError("config {}: nested deeper than {} levels".format(source, MAX_DEPTH))
    finally:
        loader.dispose()
    _check_size(root, source)
    return _Walker(loader, source).section(SCHEMA, root, "")


def _check_size(root, source):
    """Refuse a tree deeper than the schema could use, or one whose aliases expand past MAX_NODES."""
    sizes = {}

    def size(node, depth):
        if depth > MAX_DEPTH:
            raise ConfigError("config {} line {}: nested deeper than {} levels".format(
                source, node.start_mark.line + 1, MAX_DEPTH))
        if id(node) not in sizes:
            children = node.value if isinstance(node, yaml.SequenceNode) else (
                [part for pair in node.value for part in pair] if isinstance(node, yaml.MappingNode) else [])
            sizes[id(node)] = 1 + sum(size(child, depth + 1) for child in children)
            if sizes[id(node)] > MAX_NODES:
                raise ConfigError("config {} line {}: more than {} values (aliases expanded)".format(
                    source, node.start_mark.line + 1, MAX_NODES))
        return sizes[id(node)]

    if root is not None:
        size(root, 0)


class _Walker:
    def __init__(self, loader, source):
        self.loader = loader
        self.source = source

    def fail(self, node, path, message):
        line = " line {}".format(node.start_mark.line + 1) if node is not None else ""
        raise ConfigError("config {}{}: {}: {}".format(self.source, line, path or "(top)", message))

    def section(self, section, node, path):
        given = self.mapping(node, path)
        known = {child.key for child in section.children}
        for key, (key_node, _) in given.items():
            if key not in known:
                self.fail(key_node, join_key(path, key), "unknown key (known here: {})".format(
                    ", ".join(sorted(known))))
        values = {}
        for child in section.children:
            key_node, value_node = given.get(child.key, (None, None))
            values[child.key] = self.child(child, value_node, join_key(path, child.key))
        if section.check:
            problem = section.check(values)
            if problem:
                key, message = problem
                self.fail(given.get(key.split(".")[0], (None, node))[1], join_key(path, key), message)
        return settings_type(section, path)(**values)

    def child(self, child, node, path):
        if isinstance(child, Option):
            raw = child.default if node is None else self.construct(node, path)
            try:
                return child.parse(raw)
            except ValueError as exc:
                self.fail(node, path, str(exc))
        return self.section(child, node, path)

    def construct(self, node, path):
        """The Python value of a node; a tag SafeLoader refuses or cannot apply names the key."""
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError:
            self.fail(node, path, "the tag {} is not allowed".format(tag))
        except (ValueError, TypeError, OverflowError) as exc:
            self.fail(node, path, "not a valid {} value: {}".format(tag, exc))

    def mapping(self, node, path):
        """{key: (key_node, value_node)} of a mapping node; an absent section is empty."""
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")):
            return {}
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, path, "expected a mapping of keys to values")
        result = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.fail(key_node, path or "(top)", "a key must be a plain word, not a list or mapping")
            key = key_node.value
            if key in result:
                self.fail(key_node, join_key(path, key), "key given twice")
            result[key] = (key_node, value_node)
        return result


def join_key(path, key):
    return "{}.{}".format(path, key) if path else key
