"""One way to run a rung, in the daemon and the one-shot commands alike (guardian.act.base.run_rung):
under the action lock, an action's bug a failed result and an action.crashed entry (run_guarded)."""
import functools
from types import SimpleNamespace

import pytest
import structlog

from guardian.act import base
from guardian.act.base import DONE, FAILED, ActionResult, run_guarded
from guardian.host.lock import action_lock
from guardian.report import log as report_log


class Log:
    def __init__(self):
        self.entries = []

    def exception(self, event, **fields):
        self.entries.append((event, fields))


def test_a_crashing_action_is_a_failed_result_and_is_logged():
    ctx = SimpleNamespace(log=Log())
    result = run_guarded("grow", lambda snapshot, ctx: {}["missing"], None, ctx)
    assert (result.rung, result.outcome, result.summary) == ("grow", FAILED, "KeyError: 'missing'")
    assert ctx.log.entries == [("action.crashed", {"rung": "grow", "message": "KeyError: 'missing'",
                                                   "error": "KeyError: 'missing'"})]


def test_an_action_that_returns_is_left_alone():
    ctx = SimpleNamespace(log=Log())
    done = ActionResult("fstrim", DONE, "trimmed")
    assert run_guarded("fstrim", lambda snapshot, ctx: done, None, ctx) is done and not ctx.log.entries


class Datagrams(report_log.JournalSink):
    """journald's sink as the daemon uses it, keeping the datagrams instead of sending them."""

    def __init__(self):
        super().__init__(path="/nonexistent")
        self.sent = []

    def msg(self, datagram):
        self.sent.append(datagram)

    debug = info = warning = warn = error = critical = msg


def journal_entry(datagram):
    """The native protocol decoded: KEY=value lines, and KEY\n<le64 length><value>\n."""
    fields, rest = {}, datagram
    while rest:
        line, _, after = rest.partition(b"\n")
        if b"=" in line:
            key, _, value = line.partition(b"=")
            fields[key.decode()], rest = value.decode(), after
        else:
            size = int.from_bytes(after[:8], "little")
            fields[line.decode()], rest = after[8:8 + size].decode(), after[8 + size + 1:]
    return fields


def test_the_journal_entry_names_the_error_even_where_its_long_traceback_is_not_shown(monkeypatch):
    """The soak's action.crashed read EXCEPTION=None: journalctl -o json nulls a field over 4096
    bytes, and a chained Docker error's traceback is longer. ERROR and MESSAGE carry it whole."""
    sink = Datagrams()
    monkeypatch.setattr(report_log, "make_sink", lambda target, stream=None: sink)
    ctx = SimpleNamespace(log=report_log.configure_logging("info", "journal"))

    def crash(snapshot, ctx):
        try:
            raise ConnectionRefusedError(111, "Connection refused " + "x" * 5000)    # urllib3's retries, long
        except OSError as exc:
            raise RuntimeError("docker: cannot reach unix:///var/run/docker.sock") from exc
    try:
        run_guarded("release_mounts", crash, None, ctx)
    finally:
        structlog.reset_defaults()
    entry = journal_entry(sink.sent[-1])
    assert len(entry["EXCEPTION"]) > 4096
    assert entry["EXCEPTION"].endswith("RuntimeError: docker: cannot reach unix:///var/run/docker.sock")
    assert entry["ERROR"] == "RuntimeError: docker: cannot reach unix:///var/run/docker.sock"
    assert entry["MESSAGE"] == "action.crashed: " + entry["ERROR"]
    assert (entry["EVENT"], entry["RUNG"], entry["PRIORITY"]) == ("action.crashed", "release_mounts", "3")


def test_run_rung_refuses_a_rung_while_another_guardian_holds_the_lock_and_looks_again(tmp_path, monkeypatch):
    """The daemon's climb and an operator's command run a rung the same way: a held lock is a
    REFUSED result naming the holder (the rung never runs), and the pool is looked at afterwards."""
    lock = functools.partial(action_lock, str(tmp_path / "act.lock"))
    monkeypatch.setattr(base, "action_lock", lock)
    ran, looks = [], []
    with lock():
        result, after = base.run_rung("fstrim", lambda snapshot, ctx: ran.append(ctx), "before",
                                      lambda progressed: "ctx", lambda: looks.append(1) or "after")
    assert (result.outcome, after, ran, looks) == (base.REFUSED, "after", [], [1])
    assert result.summary.startswith("another pool-guardian is acting on the pool (")


def test_run_rung_runs_the_work_alongside_with_its_progress_and_skips_the_look_after_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(base, "action_lock", functools.partial(action_lock, str(tmp_path / "act.lock")))
    nothing = ActionResult("fstrim", base.NOTHING_TO_DO, "no filesystem")
    beside = []

    def alongside(work):
        beside.append("started")
        return work(lambda: beside.append("progressed"))

    def action(snapshot, ctx):
        ctx()
        return nothing
    result, after = base.run_rung("fstrim", action, "before", lambda progressed: progressed,
                                  lambda: pytest.fail("looked again after nothing"), alongside=alongside)
    assert (result, after, beside) == (nothing, "before", ["started", "progressed"])
