"""guardian/exit_codes.py is the table the man page and docs/exit-codes.md are rendered from: it
names every command the parser has, and each code it documents that can be reached without a
kernel pool is proven here by running the command in-process."""
import argparse

import pytest

from guardian import cli
from guardian.cli import build_parser
from guardian.exit_codes import EXIT_CODES

COMMANDS = list(next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices)
# The positionals each command needs before it reaches its config (none load it before these parse).
NEEDS = {"rescue": ["umount", "web"], "resize": ["web", "20G"], "busy": ["/"]}


def run(argv):
    """main() as the console script runs it: argparse's own exits are caught as codes too."""
    try:
        return cli.main(argv)
    except SystemExit as exc:
        return exc.code


def documented(command, code, words):
    """The table documents code for command with a meaning that says words."""
    meanings = [meaning for number, meaning in EXIT_CODES[command] if number == code]
    return any(words in meaning for meaning in meanings)


def test_the_table_has_every_command_and_no_other():
    assert list(EXIT_CODES) == COMMANDS


def test_every_command_documents_success_and_no_code_twice_with_one_meaning():
    for command, rows in EXIT_CODES.items():
        assert rows[0][0] == 0, command
        assert len(set(rows)) == len(rows), command


@pytest.mark.parametrize("command", COMMANDS)
def test_a_wrong_command_line_exits_with_the_documented_code_and_one_line(command, capsys):
    code = run([command] + NEEDS.get(command, []) + ["--no-such-option"])
    assert documented(command, code, "command line"), (command, code)
    out, err = capsys.readouterr()
    line = (out if command == "check" else err).splitlines()
    assert len(line) == 1 and "--no-such-option" in line[0]


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "diagnose"])
def test_a_missing_config_given_after_the_command_exits_with_the_documented_code(command, tmp_path, capsys):
    missing = str(tmp_path / "missing.yaml")
    code = run([command] + NEEDS.get(command, []) + ["--config", missing])
    assert documented(command, code, "configuration"), (command, code)
    out, err = capsys.readouterr()
    assert "config {}: no such file".format(missing) in out + err


def test_diagnose_goes_on_with_the_defaults_when_the_local_config_is_missing(tmp_path, capsys):
    """The captures are another host's: this host's broken config must not stop their analysis."""
    capture = tmp_path / "status.txt"
    capture.write_text("docker-8:1-696417-pool: 0 209715200 thin-pool 1 5243/524288 819200/1638400 - rw "
                       "discard_passdown queue_if_no_space -\n")
    missing = str(tmp_path / "missing.yaml")
    code = run(["diagnose", "--dmsetup-status", str(capture), "--config", missing])
    out, err = capsys.readouterr()
    assert code == 0 and "config {}: no such file".format(missing) in err
    assert "verdict" in out.lower()
