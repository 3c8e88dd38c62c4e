"""`check` against the monitoring-plugins guidelines: ranges, exit codes, one line, perfdata.

The table feeds the plugin's own argument parser and a pool built from a real RHEL 7 status
line; the argument and error cases run `pool-guardian check` through main().
"""
import re

import pytest

from guardian.app import build_app

from guardian.cli import build_parser, main
from guardian.decide.forecast import Forecast
from guardian.decide.thresholds import parse_range
from guardian.observe.dmsetup import parse_status
from guardian.observe.snapshot import compose_snapshot
from guardian.commands import check as check_command
from guardian.report import nagios
from tests.unit.conftest import pool_snapshot

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
HOUR = 3600.0
PERF = re.compile(r"^'[a-z_]+'=-?[0-9.]+(%|B|s)?;[^;]*;[^;]*;[0-9.]*;[0-9.]*$")


def check(settings, argv, snapshot, forecast=None, note=None):
    args = build_parser().parse_args(["check"] + argv)
    return nagios.check_pool(snapshot, check_command.thresholds(settings().watermarks, args), forecast, note,
                             args.verbose)


def filling(full_seconds):
    return Forecast(900.0, 900.0, 1 << 20, 1000.0, full_seconds, None, full_seconds * 0.9)


# (argv, data %, metadata %, kernel mode, forecast, exit code, words in the line)
TABLE = [
    ([], 50, 1, "rw", None, OK, "POOL OK - docker-8:1-696417-pool: data 50.0%, metadata 1.0%"),
    ([], 76, 1, "rw", None, WARNING, "POOL WARNING"),                       # config warning 75%
    ([], 86, 1, "rw", None, CRITICAL, "POOL CRITICAL"),                     # config critical 85%
    ([], 10, 61, "rw", None, WARNING, "metadata 61.0%"),                    # metadata warning 60%
    (["-w", "90", "-c", "95"], 86, 1, "rw", None, OK, "POOL OK"),           # plain N: alert above N
    (["-w", "80%", "-c", "90%"], 85, 1, "rw", None, WARNING, "POOL WARNING"),   # the old spelling
    (["-w", "~:85", "-c", "~:99"], 89, 1, "rw", None, WARNING, "POOL WARNING"),
    # Below Docker's floor (10% free by default) Docker refuses pulls and new containers: CRITICAL
    # whatever -w and -c say.
    (["-w", "95", "-c", "98"], 92, 1, "rw", None, CRITICAL, "Docker refuses pulls and new containers"),
    (["-w", "95", "-c", "98"], 20, 92, "rw", None, CRITICAL, "metadata free"),
    (["--data-warning", "10:", "--data-critical", "5:"], 7, 1, "rw", None, WARNING, "data 7.0%"),
    (["--data-warning", "10:", "--data-critical", "5:"], 3, 1, "rw", None, CRITICAL, "data 3.0%"),
    (["-c", "@40:60"], 50, 1, "rw", None, CRITICAL, "POOL CRITICAL"),     # @: alert inside
    (["-c", "@40:60"], 70, 1, "rw", None, OK, "POOL OK"),
    (["-w", "50", "--data-warning", "80"], 60, 55, "rw", None, WARNING, "metadata 55.0%"),
    ([], 99, 1, "out_of_data_space", None, CRITICAL, "out of data space"),
    ([], 20, 99, "ro", None, CRITICAL, "read-only"),
    (["--time-warning", "6h", "--time-critical", "1h"], 50, 1, "rw", filling(3 * HOUR), WARNING,
     "full in ~3 h at 1.0 MiB/s (last 15 min)"),
    (["--time-warning", "6h", "--time-critical", "1h"], 50, 1, "rw", filling(0.5 * HOUR), CRITICAL,
     "full in ~30 min"),
    (["--time-warning", "6h", "--time-critical", "1h"], 50, 1, "rw", filling(9 * HOUR), OK, "full in ~9 h"),
    (["--time-warning", "6h"], 50, 1, "rw", None, OK, "no forecast"),      # none: says so, no alert
    (["--time-critical", "1h"], 50, 1, "rw", filling(0.5 * HOUR)._replace(data_full=None, docker_floor=None),
     OK, "not filling"),
    # Reaching Docker's floor within the time thresholds alerts like reaching full.
    (["--time-warning", "6h", "--time-critical", "1h"], 50, 1, "rw", filling(9 * HOUR)._replace(docker_floor=2 * HOUR),
     WARNING, "below Docker's floor in ~2 h"),
    (["--time-warning", "6h", "--time-critical", "1h"], 50, 1, "rw",
     filling(9 * HOUR)._replace(docker_floor=0.5 * HOUR), CRITICAL, "below Docker's floor in ~30 min"),
    # A forecast from 76 s of samples says so, not the window it would like to have.
    (["--time-warning", "6h"], 50, 1, "rw", filling(9 * HOUR)._replace(span=76.0), OK, "(last 76 s)"),
]


@pytest.mark.parametrize("argv,data,meta,mode,outlook,code,words", TABLE)
def test_exit_code_table(settings, argv, data, meta, mode, outlook, code, words):
    result = check(settings, argv, pool_snapshot(data, meta, mode), outlook)
    assert result.code == code, result.line
    assert words in result.line
    assert "\n" not in result.line


def test_perfdata_has_percent_bytes_and_thresholds(settings):
    line = check(settings, ["-w", "80", "-c", "@90:95", "--time-warning", "6h"], pool_snapshot(50, 1),
                 filling(3 * HOUR)).line
    text, perf = line.split(" | ")
    items = perf.split(" ")
    assert all(PERF.match(item) for item in items), items
    labels = [item.split("=")[0] for item in items]
    assert labels == ["'data'", "'data_used'", "'metadata'", "'metadata_used'", "'time_to_full'",
                      "'time_to_docker_floor'"]
    assert items[0].startswith("'data'=50.00%;80;@90:95;0;100")
    total = 1638400 * 65536
    assert items[1] == "'data_used'={}B;{};@{}:{};0;{}".format(
        int(1638400 * 0.5) * 65536, int(total * 0.8), int(total * 0.9), int(total * 0.95), total)
    assert items[4] == "'time_to_full'=10800s;21600:;;0;"


def test_a_failed_pool_is_critical_and_no_pool_is_unknown(settings):
    failed = compose_snapshot(parse_status("docker-8:1-696417-pool: 0 209715200 thin-pool Fail"), [], None)
    assert check(settings, [], failed).code == CRITICAL
    unreadable = compose_snapshot(None, [], None, problems=("kernel: /dev/mapper/control: open failed",))
    result = check(settings, [], unreadable)
    assert result == (UNKNOWN, "POOL UNKNOWN - no pool to watch: kernel: /dev/mapper/control: open failed")


@pytest.mark.parametrize("argv,words", [
    (["check", "-w", "eighty"], "not a threshold range"),
    (["check", "-c", "20:10"], "start is above end"),
    (["check", "--bogus"], "unrecognized arguments: --bogus"),
    (["check", "-t", "0"], "greater than zero"),
    (["check", "--time-warning", "soon"], "expected a duration"),
    (["check", "--help"], "usage: pool-guardian check"),
])
def test_bad_arguments_and_help_are_unknown(capsys, argv, words):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == UNKNOWN
    assert words in capsys.readouterr().out


def test_no_docker_from_old_nrpe_lines_is_still_accepted_and_not_shown(capsys):
    """check asked Docker unless --no-docker before --docker came: command lines with it keep working."""
    assert build_parser().parse_args(["check", "--no-docker"]).docker is False
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    assert "--no-docker" not in capsys.readouterr().out


def test_an_internal_error_is_unknown_with_one_line(capsys):
    def broken(*args, **kwargs):
        raise KeyError("boom")
    args = build_parser().parse_args(["check"])
    assert check_command.run_check(args, broken) == UNKNOWN
    assert capsys.readouterr().out == "POOL UNKNOWN - KeyError: 'boom'\n"


def test_a_broken_config_is_unknown_with_its_own_line_and_no_type_name(capsys, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("watermarks: [\n")
    args = build_parser().parse_args(["--config", str(config), "check"])
    assert check_command.run_check(args, build_app) == UNKNOWN
    line = capsys.readouterr().out
    assert line.startswith("POOL UNKNOWN - config {}".format(config)) and "ConfigError" not in line


def test_no_answer_within_the_timeout_is_unknown(capsys):
    def hangs(*args, **kwargs):
        import time
        time.sleep(5)
    args = build_parser().parse_args(["check", "-t", "1"])
    assert check_command.run_check(args, hangs) == UNKNOWN
    assert capsys.readouterr().out == "POOL UNKNOWN - no answer within 1.0 s\n"


@pytest.mark.parametrize("text,alerts_at", [
    ("80", {-1: True, 0: False, 80: False, 81: True}),
    ("10:", {9: True, 10: False, 1e9: False}),
    ("~:90", {-1e9: False, 90: False, 91: True}),
    ("10:20", {9: True, 10: False, 20: False, 21: True}),
    ("@10:20", {9: False, 10: True, 20: True, 21: False}),
])
def test_ranges_follow_the_guidelines(text, alerts_at):
    r = parse_range(text)
    assert {value: r.alerts(value) for value in alerts_at} == alerts_at
