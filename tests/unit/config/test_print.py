"""`check-config --print`: the settings in force as a config file that loads back to the same
settings, every unit spelled out; and `check-config` saying when no file exists."""
import os

import pytest

import guardian.commands.check_config
import guardian.config.load
from guardian.cli import main
from guardian.config import load_config_text
from guardian.config.example import render_effective

# Every kind of value, none of them the default, several that only read back if quoted or spelled
# with care: fractional percents and shares, sub-second and odd durations, a zero, globs, a cron
# line, 'yes' (a YAML boolean unless quoted), a path with a space and a '#'.
NON_TRIVIAL = """\
mode: enforce
pool:
  name: docker-253:0-1234-pool
  docker_host: tcp://10.0.0.5:2376
  docker_timeout: 2500ms
watermarks:
  data: {warning: 62.5%, high: 70%, low: 33.3%, critical: 99.9%}
  metadata: {warning: 0.5%, high: 1%, low: 0%, critical: 100%}
schedule:
  poll_interval: 250ms
  docker_info_interval: 1d
  trim_window: '30 3 * * 0'
events:
  udev: false
  arm_low_water_mark: 'yes'
ladder:
  order: [grow, fstrim, prune_images]
  backoff_initial: 1.5s
  backoff_max: 7d
  prune_containers: {enabled: false, grace: 0s, keep_names: ['*-tmp', 'db-?'], keep_labels: ['team=ops*']}
  prune_images: {enabled: true, unused_for: 30d, keep_images: ['registry.local/app*'], removal_timeout: 61s}
  fstrim: {budget: 1000, time_budget: 90s}
  grow:
    enabled: true
    step: 12.5%
    min_step: 1536M
    absorb: 0s
    max_data_size: 3T
    metadata_step: 100M
    max_metadata_size: 0.1%
    reserve: 0
metrics:
  enabled: false
  path: '/srv/metrics dir/pool #1.prom'
  forecast_window: 2h
log: {level: debug, target: console}
"""


@pytest.mark.parametrize("text", ["", NON_TRIVIAL], ids=["defaults", "non-trivial"])
def test_printed_settings_load_back_to_the_same_settings(text):
    settings = load_config_text(text)
    printed = render_effective(settings, "c.yaml")
    assert load_config_text(printed, "printed") == settings
    assert render_effective(load_config_text(printed), "c.yaml") == printed


def test_printed_settings_spell_every_unit():
    printed = render_effective(load_config_text(NON_TRIVIAL), "c.yaml")
    for line in ("  docker_timeout: 2500ms", "    high: 70%", "    low: 33.3%", "  poll_interval: 250ms",
                 "  docker_info_interval: 1d", "  backoff_initial: 1500ms", "    time_budget: 90s",
                 "    step: 12.5%", "    min_step: 1536M", "    absorb: 0s", "    max_data_size: 3T",
                 "    reserve: 0B", "    unused_for: 30d", "  arm_low_water_mark: 'yes'"):
        assert "\n" + line + "\n" in printed, line


def _write(tmp_path, text):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    os.chmod(str(path), 0o644)
    return str(path)


def test_check_config_print_shows_the_file_with_its_defaults(tmp_path, capsys):
    path = _write(tmp_path, "watermarks:\n  data:\n    high: 82%\n")
    assert main(["check-config", "--print", path]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# The configuration in force: {}, with the defaults for what it leaves out\n".format(path))
    assert "\n    high: 82%\n" in out and "\n  poll_interval: 10s\n" in out
    assert load_config_text(out) == load_config_text("watermarks:\n  data:\n    high: 82%\n")


@pytest.fixture
def no_default_file(tmp_path, monkeypatch):
    path = str(tmp_path / "absent" / "config.yaml")
    monkeypatch.setattr(guardian.commands.check_config, "DEFAULT_PATH", path)
    monkeypatch.setattr(guardian.config.load, "DEFAULT_PATH", path)
    return path


def test_check_config_without_a_file_says_the_defaults_are_in_force(no_default_file, capsys):
    assert main(["check-config"]) == 0
    assert capsys.readouterr().out == "config {}: none exists; the built-in defaults are in force\n".format(
        no_default_file)


def test_check_config_print_without_a_file_says_these_are_the_defaults(no_default_file, capsys):
    assert main(["check-config", "--print"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# The configuration in force: the built-in defaults ({} does not exist)\n".format(
        no_default_file))
    assert load_config_text(out) == load_config_text("")


def test_check_config_of_a_file_says_ok(tmp_path, capsys):
    path = _write(tmp_path, "mode: enforce\n")
    assert main(["check-config", path]) == 0
    assert capsys.readouterr().out == "config {}: OK\n".format(path)
