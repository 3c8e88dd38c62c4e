"""Config files rendered from the schema: the commented example (etc/config.yaml), and the settings
in force with every default filled in (`check-config --print`), as `sshd -T` and `lvmconfig` show
theirs. Both walk the schema in its order, so the two read alike and diff cleanly."""
import textwrap

import yaml

from guardian.config.schema import SCHEMA, Option
from guardian.config.values import spelling

HEADER = """\
# /etc/pool-guardian/config.yaml
# Every key is optional: the values below are the defaults. Sizes take 10G, 512MiB or 20% (a bare
# number is bytes); durations take 250ms, 10s, 5m, 1h, 2d; percents take 80%. Durations and
# percents need their unit: a bare 10 or 0.8 is refused.
# Check a change with: pool-guardian check-config /etc/pool-guardian/config.yaml
# See the settings in force, defaults included: pool-guardian check-config --print
"""


def render_example():
    lines = [HEADER.rstrip("\n")]
    for child in SCHEMA.children:
        lines.append("")
        lines.extend(_render(child, 0, lambda option, _: yaml_text(option.default), docs=True))
    return "\n".join(lines) + "\n"


def render_effective(settings, path, found=True):
    """The settings as a file that loads back to the same settings: every key, units spelled out."""
    lines = ["# The configuration in force: {}".format(
        "{}, with the defaults for what it leaves out".format(path) if found
        else "the built-in defaults ({} does not exist)".format(path))]

    def spelled(option, section):
        return yaml_scalar(spelling(option.parse)(getattr(section, option.key)))
    for child in SCHEMA.children:
        lines.append("")
        lines.extend(_render(child, 0, spelled, docs=False, settings=settings))
    return "\n".join(lines) + "\n"


def yaml_text(value):
    """A default as it is written in YAML: strings as given, the rest in YAML's own spelling."""
    if isinstance(value, str):
        return value
    return yaml_scalar(value)


def yaml_scalar(value):
    """A value in YAML's own spelling on one line, quoted where it would read back as another
    type ('yes', 'a: b')."""
    return yaml.safe_dump(value, default_flow_style=True, width=float("inf")).replace("\n...", "").strip()


def _render(node, depth, value_text, docs, settings=None):
    """A node's lines: its doc as comments (docs=True), then `key: value` or `key:` and its children.
    value_text(option, settings of the section holding it) gives an option's YAML value."""
    indent = "  " * depth
    out = [indent + "# " + line for line in textwrap.wrap(node.doc, 96 - len(indent))] if docs else []
    if isinstance(node, Option):
        out.append("{}{}: {}".format(indent, node.key, value_text(node, settings)))
        return out
    out.append("{}{}:".format(indent, node.key))
    inner = getattr(settings, node.key) if settings is not None else None
    for child in node.children:
        out.extend(_render(child, depth + 1, value_text, docs, inner))
    return out
