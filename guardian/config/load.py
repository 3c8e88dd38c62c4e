"""Load and validate the YAML config against the schema, naming key path and line on any error."""
import yaml

from guardian.config.schema import SCHEMA, Option, settings_type
from guardian.errors import ConfigError

DEFAULT_PATH = "/etc/pool-guardian/config.yaml"


def load_config(path=DEFAULT_PATH):
    """Settings from a file; a missing default file means the built-in defaults."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except FileNotFoundError:
        if path == DEFAULT_PATH:
            return load_config_text("", path)
        raise ConfigError("config {}: no such file".format(path))
    except OSError as exc:
        raise ConfigError("config {}: cannot read: {}".format(path, exc.strerror))
    return load_config_text(text, path)


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
    finally:
        loader.dispose()
    return _Walker(loader, source).section(SCHEMA, root, "")


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
                self.fail(key_node, _join(path, key), "unknown key (known here: {})".format(
                    ", ".join(sorted(known))))
        values = {}
        for child in section.children:
            key_node, value_node = given.get(child.key, (None, None))
            values[child.key] = self.child(child, value_node, _join(path, child.key))
        if section.check:
            problem = section.check(values)
            if problem:
                key, message = problem
                self.fail(given.get(key, (None, node))[1], _join(path, key), message)
        return settings_type(section, path)(**values)

    def child(self, child, node, path):
        if isinstance(child, Option):
            raw = child.default if node is None else self.loader.construct_object(node, deep=True)
            try:
                return child.parse(raw)
            except ValueError as exc:
                self.fail(node, path, str(exc))
        return self.section(child, node, path)

    def mapping(self, node, path):
        """{key: (key_node, value_node)} of a mapping node; an absent section is empty."""
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")):
            return {}
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, path, "expected a mapping of keys to values")
        result = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in result:
                self.fail(key_node, _join(path, key), "key given twice")
            result[key] = (key_node, value_node)
        return result


def _join(path, key):
    return "{}.{}".format(path, key) if path else key
