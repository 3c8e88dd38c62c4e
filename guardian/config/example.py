"""Render the commented example config (etc/config.yaml) from the schema."""
import textwrap

import yaml

from guardian.config.schema import SCHEMA, Option

HEADER = """\
# /etc/pool-guardian/config.yaml
# Every key is optional: the values below are the defaults. Sizes take 10G, 512MiB or 20% (a bare
# number is bytes); durations take 250ms, 10s, 5m, 1h, 2d; percents take 80%. Durations and
# percents need their unit: a bare 10 or 0.8 is refused.
# Check a change with: pool-guardian check-config /etc/pool-guardian/config.yaml
"""


def render_example():
    lines = [HEADER.rstrip("\n")]
    for child in SCHEMA.children:
        lines.append("")
        lines.extend(_render(child, 0))
    return "\n".join(lines) + "\n"


def yaml_text(value):
    """A default as it is written in YAML: strings as given, the rest in YAML's own spelling."""
    if isinstance(value, str):
        return value
    return yaml.safe_dump(value, default_flow_style=True).replace("\n...", "").strip()


def _render(node, depth):
    indent = "  " * depth
    out = [indent + "# " + line for line in textwrap.wrap(node.doc, 96 - len(indent))]
    if isinstance(node, Option):
        out.append("{}{}: {}".format(indent, node.key, yaml_text(node.default)))
        return out
    out.append("{}{}:".format(indent, node.key))
    for child in node.children:
        out.extend(_render(child, depth + 1))
    return out
