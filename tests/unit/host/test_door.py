"""The one door to the host: timeouts kill the process group; every change, command or not, is
logged at info and skipped in dry-run."""
import os
import time

import pytest

from guardian.errors import CommandError
from guardian.host.door import HostDoor


class Recorder:
    def __init__(self):
        self.entries = []

    def __getattr__(self, level):
        return lambda event, **fields: self.entries.append((level, event, fields))


def test_runs_argv_without_a_shell():
    result = HostDoor(Recorder()).run(["echo", "$HOME; true"])
    assert result.stdout == "$HOME; true\n"


def test_every_call_is_logged():
    log = Recorder()
    HostDoor(log).run(["true"])
    assert log.entries == [("debug", "command.ran", {"argv": "true", "rc": 0,
                                                     "seconds": log.entries[0][2]["seconds"]})]


def test_a_command_that_changes_something_is_logged_before_and_after(tmp_path):
    """A daemon killed mid-change leaves command.starting: the only trace of a change it asked for."""
    log, target = Recorder(), tmp_path / "made"
    HostDoor(log).run(["touch", str(target)], changes=True)
    argv = "touch {}".format(target)
    assert [entry[:2] for entry in log.entries] == [("info", "command.starting"), ("info", "command.ran")]
    assert log.entries[0][2] == {"argv": argv} and log.entries[1][2]["argv"] == argv


def test_failure_names_the_command_and_its_first_error_line():
    with pytest.raises(CommandError) as caught:
        HostDoor(Recorder()).run(["ls", "/no/such/dir"])
    assert str(caught.value).startswith("ls /no/such/dir failed (exit 2): ls: cannot access")


def test_missing_command_is_named():
    with pytest.raises(CommandError) as caught:
        HostDoor(Recorder()).run(["no-such-tool-xyz"])
    assert str(caught.value) == "no-such-tool-xyz: command not found (is it installed?)"


def test_timeout_kills_the_whole_process_group(tmp_path):
    marker = tmp_path / "child-survived"
    script = "sleep 3 && touch {} & sleep 30".format(marker)
    started = time.monotonic()
    with pytest.raises(CommandError) as caught:
        HostDoor(Recorder()).run(["sh", "-c", script], timeout=0.5)
    assert "timed out after 0.5 s" in str(caught.value)
    assert time.monotonic() - started < 3
    time.sleep(3.5)
    assert not marker.exists()


def test_dry_run_skips_commands_that_change_something(tmp_path):
    target = tmp_path / "made"
    log = Recorder()
    result = HostDoor(log, dry_run=True).run(["touch", str(target)], changes=True)
    assert not result.executed and not target.exists()
    assert log.entries[-1][1] == "command.skipped"


def test_a_change_that_is_not_a_command_is_done_and_logged_at_info():
    log, done = Recorder(), []
    assert HostDoor(log).change("losetup -c /dev/loop9", done.append, "set") is True
    assert done == ["set"] and [entry[:2] for entry in log.entries] == [
        ("info", "command.starting"), ("info", "command.ran")]
    assert log.entries[0][2] == {"argv": "losetup -c /dev/loop9"}
    assert log.entries[-1][2]["argv"] == "losetup -c /dev/loop9"


def test_a_change_is_logged_as_starting_before_it_is_made():
    """What the log held when fn ran: command.starting only, so a kill then still leaves a trace."""
    log = Recorder()
    seen = []
    HostDoor(log).change("docker rm abc (w-1)", lambda: seen.append(list(log.entries)))
    assert seen == [[("info", "command.starting", {"argv": "docker rm abc (w-1)"})]]


def test_dry_run_skips_a_change_that_is_not_a_command():
    log, done = Recorder(), []
    assert HostDoor(log, dry_run=True).change("docker rm abc", done.append, "rm") is False
    assert done == [] and [entry[1] for entry in log.entries] == ["command.skipped"]


class Refused(Exception):
    status = 409


def test_a_failed_change_is_logged_with_its_status_and_raised():
    log = Recorder()

    def refuse():
        raise Refused("conflict: container is running")
    with pytest.raises(Refused):
        HostDoor(log).change("docker rm abc", refuse)
    assert log.entries[-1][2]["rc"] == 409 and "conflict" in log.entries[-1][2]["error"]


def test_dry_run_still_runs_read_only_commands():
    assert HostDoor(Recorder(), dry_run=True).run(["echo", "hi"]).stdout == "hi\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="checks the root-only path")
def test_dry_run_checks_permission_before_claiming_it_could_act(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(CommandError) as caught:
        HostDoor(Recorder(), dry_run=True).run(["true"], changes=True)
    assert "needs root" in str(caught.value)


def test_timeout_is_a_hard_deadline_with_a_grandchild_holding_the_pipe():
    started = time.monotonic()
    with pytest.raises(CommandError) as caught:
        HostDoor(Recorder()).run(["sh", "-c", "sleep 30 & sleep 30"], timeout=2)
    assert time.monotonic() - started < 3.5
    assert str(caught.value) == "sh -c sleep 30 & sleep 30 timed out after 2 s: killed it and its process group"


def test_timeout_stops_reading_when_an_escaped_grandchild_holds_the_pipe():
    started = time.monotonic()
    with pytest.raises(CommandError) as caught:
        HostDoor(Recorder()).run(["sh", "-c", "setsid sleep 6 & exit 0"], timeout=2)
    assert time.monotonic() - started < 3.5
    assert str(caught.value) == (
        "sh -c setsid sleep 6 & exit 0 exited 0 but a process it left behind still held its output "
        "after 2 s: output not read, process group killed")
