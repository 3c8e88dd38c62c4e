"""An action's bug is a failed result and an action.crashed entry, in the daemon and the one-shot
commands alike (one crash guard: guardian.act.base.run_guarded)."""
from types import SimpleNamespace

import structlog

from guardian.act.base import DONE, FAILED, ActionResult, run_guarded
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
