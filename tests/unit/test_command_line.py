"""The command line: --config before or after the command, wrong command lines as one line (exit 2),
and no pool as a failure (exit 1) rather than a silent 0."""
import pytest

from guardian.cli import build_parser, main
from guardian.errors import EXIT_FAILURE, EXIT_USAGE
from guardian.observe import observer
from guardian.observe.snapshot import compose_snapshot


@pytest.mark.parametrize("argv, config", [
    (["status"], None),
    (["--config", "/a.yaml", "status"], "/a.yaml"),
    (["status", "--config", "/b.yaml"], "/b.yaml"),
    (["--config", "/a.yaml", "check", "--config", "/b.yaml"], "/b.yaml"),
    (["--config", "/a.yaml", "check-config"], "/a.yaml"),
])
def test_config_is_taken_before_or_after_the_command_and_after_wins(argv, config):
    assert build_parser().parse_args(argv).config == config


@pytest.mark.parametrize("argv, message", [
    ([], "pool-guardian: the following arguments are required: COMMAND"),
    (["potato"], "pool-guardian: argument COMMAND: invalid choice: 'potato'"),
    (["resize", "web"], "pool-guardian: resize: the following arguments are required: SIZE"),
    (["resize", "web", "20potatoes"], "pool-guardian: resize: argument SIZE: size '20potatoes': expected a number"),
    (["top", "-n", "x"], "pool-guardian: top: argument -n: expected a whole number >= 0, got 'x'"),
])
def test_a_wrong_command_line_is_one_line_naming_it_and_exits_2(argv, message, capsys):
    assert_one_line(argv, message, EXIT_USAGE, capsys)


def assert_one_line(argv, message, expected_code, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == expected_code
    assert err.startswith(message) and err.count("\n") == 1, err


@pytest.mark.parametrize("command", ["status", "plan"])
def test_no_pool_exits_1_with_the_report_still_printed(command, monkeypatch, capsys):
    nothing = compose_snapshot(None, [], None, problems=("kernel: no thin pool",), taken_at=0.0)
    monkeypatch.setattr(observer, "observe", lambda *args, **kwargs: nothing)
    assert main([command]) == EXIT_FAILURE
    assert "no thin pool" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["doctor", "--yes"], "pool-guardian: doctor: --yes goes with --reclaim"),
    (["doctor", "--grace", "5"], "pool-guardian: doctor: --grace goes with --reclaim"),
    (["doctor", "--reclaim", "--json"], "pool-guardian: doctor: --json is for the checks, not --reclaim"),
    (["doctor", "--reclaim", "--grace", "-1"], "pool-guardian doctor: error: argument --grace: expected seconds, "
                                               "a number >= 0, got '-1'"),
    (["doctor", "--reclaim", "--grace", "nan"], "pool-guardian doctor: error: argument --grace: expected seconds"),
])
def test_a_wrong_doctor_reclaim_command_line_is_one_line_and_unknown(argv, message, capsys):
    assert_one_line(argv, message, 3, capsys)


def test_doctor_reclaim_without_a_pool_is_one_line_and_unknown(monkeypatch, capsys):
    nothing = compose_snapshot(None, [], None, problems=("kernel: no thin pool",), taken_at=0.0)
    monkeypatch.setattr(observer, "observe", lambda *args, **kwargs: nothing)
    assert main(["doctor", "--reclaim", "--yes"]) == 3
    err = capsys.readouterr().err
    assert err == "pool-guardian: doctor --reclaim: no thin pool to work on: kernel: no thin pool\n", err
