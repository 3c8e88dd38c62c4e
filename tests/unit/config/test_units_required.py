"""A config that means what it says (issue 29): every percent and duration in the file carries its
unit, and a bare number is refused with the spelling to use; the command-line flags keep their bare
numbers (a Nagios plugin's `-t 10`)."""
import re

import pytest

from guardian.cli import build_parser
from guardian.config import DEFAULT_PATH, load_config_text
from guardian.config.reference import render_reference
from guardian.config.schema import SCHEMA, Option
from guardian.errors import ConfigError

UNIT = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d|%)$")


def options(section, path=""):
    for child in section.children:
        key = "{}.{}".format(path, child.key) if path else child.key
        if isinstance(child, Option):
            yield key, child
        else:
            yield from options(child, key)


def is_size(option):
    try:
        option.parse("1G")
    except ValueError:
        return False
    return True


def nested(key, value):
    """'a.b.c', 10 -> the YAML text 'a:\\n  b:\\n    c: 10\\n'."""
    parts = key.split(".")
    return "".join("  " * depth + part + ":\n" for depth, part in enumerate(parts[:-1])) + \
        "  " * (len(parts) - 1) + "{}: {}\n".format(parts[-1], value)


UNIT_OPTIONS = [(key, UNIT.match(option.default).group(1)) for key, option in options(SCHEMA)
                if isinstance(option.default, str) and UNIT.match(option.default) and not is_size(option)]


def test_the_percents_and_durations_are_all_found():
    keys = {key for key, _ in UNIT_OPTIONS}
    assert {"watermarks.data.high", "watermarks.metadata.low", "schedule.poll_interval", "ladder.grow.absorb",
            "ladder.fstrim.cooldown", "metrics.forecast_window"} <= keys
    assert "ladder.grow.step" not in keys and "ladder.grow.reserve" not in keys      # sizes: bare is bytes
    assert len(keys) == 26          # 8 watermarks, 18 durations (unused_for, default auto, is in the BAD corpus)


@pytest.mark.parametrize("key, number", UNIT_OPTIONS, ids=[key for key, _ in UNIT_OPTIONS])
def test_every_percent_and_duration_refuses_its_default_without_the_unit(key, number):
    with pytest.raises(ConfigError) as caught:
        load_config_text(nested(key, number), "c.yaml")
    assert re.match(r"config c\.yaml line \d+: {}: expected a (percent|duration) like '{}(%|s)', got {}: "
                    r"the unit is required$".format(re.escape(key), number, number), str(caught.value))


def test_the_error_shown_in_the_reference_is_the_one_the_loader_gives():
    shown = re.search(r"```\n(config .*)\n```", render_reference()).group(1)
    with pytest.raises(ConfigError) as caught:
        load_config_text("mode: enforce\nwatermarks:\n  data:\n    high: 0.8\n", DEFAULT_PATH)
    assert str(caught.value) == shown


def test_plugin_flags_keep_their_bare_seconds_and_percents():
    args = build_parser().parse_args(["check", "-t", "10", "--min-free-space", "10", "--time-warning", "3600"])
    assert args.timeout == 10.0 and args.min_free_space == 0.1 and args.time_warning.start == 3600.0
    args = build_parser().parse_args(["check", "-t", "1m", "--min-free-space", "5%", "--time-critical", "1h"])
    assert args.timeout == 60.0 and args.min_free_space == 0.05 and args.time_critical.start == 3600.0
