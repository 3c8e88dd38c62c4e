"""Render the configuration reference (docs/config.md) from the schema.

The schema is the one description of the config file; rendering the reference from it means an
option added, renamed or re-defaulted in schema.py shows up in the docs by `make docs`, and a unit
test fails until it does.
"""
from guardian.config.example import yaml_text
from guardian.config.load import DEFAULT_PATH, join_key
from guardian.config.schema import SCHEMA, Option

HEADER = """\
# Configuration reference

<!-- Rendered from guardian/config/schema.py by `make docs`; edit the schema, not this file. -->

pool-guardian reads `{path}` (another file with `--config FILE`).
Every key is optional: the defaults below apply to whatever the file leaves out, and the shipped
file lists them all, commented.

Values carry their unit, so that a file means what it says. Percents take `80%`; durations take
`250ms`, `10s`, `5m`, `1h`, `2d`. A bare number is refused for both, `0` included (write `0s`):
`high: 0.8` would otherwise be 0.8%, and `poll_interval: 10` leaves the reader to guess. Sizes take
`10G`, `512MiB` or a share such as `20%`; a bare size is bytes, as lvextend reads one.

An unknown key, a value of the wrong kind or out of its range, watermarks out of order, a rung
enabled but left out of `ladder.order`, or a relative `metrics.path` is refused with one line naming
the key path and the line; a number without its unit gets the spelling to use:

```
config /etc/pool-guardian/config.yaml line 4: watermarks.data.high: expected a percent like '80%', got 0.8: the unit is required
```

The daemon runs as root and removes containers on this file's word, so the file itself is refused
unless it is a regular file of at most 1 MiB, owned by root (or by the user running the command,
when that is not root) and writable by its owner only; it is read as UTF-8 whatever the locale,
and YAML tags and aliases expanding past 10,000 values are refused. Check a file before a reload
(`systemctl reload pool-guardian`) with `pool-guardian check-config {path}`; a reload that fails
keeps the previous config. Without a file, `check-config` says that none exists and the built-in
defaults are in force.

`pool-guardian check-config --print` prints the configuration in force, every default filled in
and every unit spelled out, as a file that loads back to the same settings (as `sshd -T` and
`lvmconfig` show theirs): diff it against another host's, or start a new file from it.

The unit reads `/etc/sysconfig/pool-guardian` (optional; the RPM ships it commented) and passes
its `OPTIONS` to both `pool-guardian $OPTIONS run` and the `pool-guardian $OPTIONS check-config`
that checks each reload, so the daemon and the check read the same file. To use another file, set
`OPTIONS="--config /etc/pool-guardian/other.yaml"` there and `systemctl restart pool-guardian`
(a reload re-reads the config file, not the options).
""".format(path=DEFAULT_PATH)


def render_reference():
    """The reference as markdown: one heading per section, one table row per option."""
    parts = [HEADER]
    for path, section in _sections(SCHEMA, ""):
        parts.append(_render_section(path, section))
    return "\n".join(parts)


def _sections(section, path):
    """(key path, section) for the section and every section under it, depth first."""
    yield path, section
    for child in section.children:
        if not isinstance(child, Option):
            yield from _sections(child, join_key(path, child.key))


def _render_section(path, section):
    options = [child for child in section.children if isinstance(child, Option)]
    lines = ["## {}".format("`{}`".format(path) if path else "Top level"), ""]
    if path:
        lines.extend([section.doc, ""])
    if options:
        lines.extend(["| Key | Default | Meaning |", "| --- | --- | --- |"])
        lines.extend("| `{}` | `{}` | {}{} |".format(join_key(path, option.key), yaml_text(option.default),
                                                     _cell(option.doc), _bounds(option)) for option in options)
        lines.append("")
    return "\n".join(lines)


def _bounds(option):
    """' From 1s to 1h.' for an option with bounds; a share ('20%') is bounded by its percent."""
    bounds = getattr(option.parse, "bounds", None)
    return " From `{}` to `{}`.".format(*bounds) if bounds else ""


def _cell(text):
    """Markdown table cells cannot hold a bare pipe."""
    return text.replace("|", "\\|")
