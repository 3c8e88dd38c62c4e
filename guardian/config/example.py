"""Render the commented example config (etc/config.yaml) from the schema."""
import textwrap

from guardian.config.schema import SCHEMA, Option

HEADER = """\
# /etc/pool-guardian/config.yaml
# Every key is optional: the values below are the defaults. Sizes take 10G, 512MiB or 20%;
# durations take 250ms, 10s, 5m, 1h, 2d; percents take 80%.
# Check a change with: pool-guardian check-config /etc/pool-guardian/config.yaml
"""


def render_example():
    lines = [HEADER.rstrip("\n")]
    for child in SCHEMA.children:
        lines.append("")
        lines.extend(_render(child, 0))
    return "\n".join(lines) + "\n"


def _render(node, depth):
    indent = "  " * depth
    out = [indent + "# " + line for line in textwrap.wrap(node.doc, 96 - len(indent))]
    if isinstance(node, Option):
        out.append("{}{}: {}".format(indent, node.key, node.default))
        return out
    out.append("{}{}:".format(indent, node.key))
    for child in node.children:
        out.extend(_render(child, depth + 1))
    return out
