"""The config loader: defaults, the shipped example, and one-line errors naming key path and line."""
import os

import pytest

from guardian.config import load_config, load_config_text
from guardian.config.example import render_example
from guardian.errors import ConfigError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
EXAMPLE = os.path.join(ROOT, "etc", "config.yaml")


def test_shipped_example_is_rendered_from_the_schema():
    with open(EXAMPLE) as handle:
        assert handle.read() == render_example(), "run: make config-example"


def test_shipped_example_is_the_default():
    assert load_config(EXAMPLE, trusted_uids={os.stat(EXAMPLE).st_uid}) == load_config_text("")


def test_sizes_durations_and_percents_are_typed():
    settings = load_config_text("schedule:\n  poll_interval: 250ms\nwatermarks:\n  data:\n    high: 82.5%\n")
    assert settings.schedule.poll_interval == 0.25
    assert settings.watermarks.data.high == 82.5
    assert settings.pool.name is None


def test_settings_are_immutable():
    settings = load_config_text("")
    with pytest.raises(AttributeError):
        settings.mode = "enforce"


@pytest.mark.parametrize("text, message", [
    ("watermarks:\n  data:\n    low: 90%\n",
     "config c.yaml line 3: watermarks.data.low: 90% must be below high (80%)"),
    ("watermarks:\n  metadata:\n    warning: 95%\n",
     "config c.yaml line 3: watermarks.metadata.warning: 95% must not be above critical (80%)"),
    ("mode: enforcee\n",
     "config c.yaml line 1: mode: expected one of observe, dry-run, enforce, got 'enforcee'"),
    ("pool:\n  nam: x\n",
     "config c.yaml line 2: pool.nam: unknown key (known here: command_timeout, docker_host, "
     "docker_timeout, name)"),
    ("schedule:\n  poll_interval: soon\n",
     "config c.yaml line 2: schedule.poll_interval: expected a duration like '10s', '5m' or '1h', got 'soon'"),
    ("schedule:\n  poll_interval: 0s\n",
     "config c.yaml line 2: schedule.poll_interval: must be between 100ms and 1h, got '0s'"),
    ("watermarks:\n  data:\n    high: 120%\n",
     "config c.yaml line 3: watermarks.data.high: a percent must be between 0 and 100, got '120%'"),
    ("watermarks: [1]\n", "config c.yaml line 1: watermarks: expected a mapping of keys to values"),
    ("pool:\n  name: a\n  name: b\n", "config c.yaml line 3: pool.name: key given twice"),
    ("- 1\n", "config c.yaml line 1: (top): expected a mapping of keys to values"),
])
def test_bad_config_is_one_line_naming_key_and_line(text, message):
    with pytest.raises(ConfigError) as caught:
        load_config_text(text, "c.yaml")
    assert str(caught.value) == message


def test_invalid_yaml_names_the_line():
    with pytest.raises(ConfigError) as caught:
        load_config_text("mode: [\n", "c.yaml")
    assert str(caught.value).startswith("config c.yaml line 2: not valid YAML")


def test_missing_explicit_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(str(tmp_path / "nope.yaml"))
    assert "no such file" in str(caught.value)


def test_config_error_exits_with_ex_config():
    assert ConfigError("x").exit_code == 78


@pytest.mark.parametrize("text, message", [
    ("ladder:\n  grow:\n    max_data_size: 10G\n    reserve: 20G\n",
     "config c.yaml line 4: ladder.grow.reserve: 21474836480 must be smaller than max_data_size (10737418240)"),
    ("ladder:\n  grow:\n    max_data_size: 95%\n",
     "config c.yaml line 3: ladder.grow.reserve: 10% plus max_data_size 95% is more than the whole"),
    ("ladder:\n  grow:\n    min_step: 5%\n",
     "config c.yaml line 3: ladder.grow.min_step: must be a size like 1G, not a share"),
    ("ladder:\n  prune_containers:\n    keep_labels: ['=x']\n",
     "config c.yaml line 3: ladder.prune_containers.keep_labels: a label selector is key or key=value, "
     "got '=x'"),
])
def test_contradictory_action_options_are_one_line_errors(text, message):
    with pytest.raises(ConfigError) as err:
        load_config_text(text, "c.yaml")
    assert str(err.value) == message


def test_action_options_have_safe_defaults():
    ladder = load_config_text("").ladder
    assert ladder.grow.enabled is False and ladder.release_mounts.enabled is False
    assert ladder.prune_containers.keep_labels == ("pool-guardian.keep=true",)
    assert ladder.prune_containers.remove_volumes is False
    assert ladder.prune_images.unused_for is None
