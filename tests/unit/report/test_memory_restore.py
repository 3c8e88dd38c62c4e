"""The memory a daemon reads back at start: a restart keeps the budgets; a bad file is one line."""
import json
import subprocess
import sys

import pytest

from guardian.decide.ladder import Memory, RungMemory
from guardian.report.state import DaemonState

NOW = 10000.0
GOOD = {"pid": 1, "started": None, "written_at": NOW - 30, "remediating": True,
        "rungs": {"prune": {"last_run": NOW - 60, "recent_runs": [NOW - 60, NOW - 600],
                            "failures": 1, "retry_after": NOW + 30}}}


class Log:
    def __init__(self):
        self.lines = []

    def warning(self, event, **fields):
        self.lines.append(("warning", event, fields))

    def info(self, event, **fields):
        self.lines.append(("info", event, fields))


def restore(tmp_path, content, longest_wait=3600.0):
    path = tmp_path / "memory.json"
    if content is not None:
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    log = Log()
    return restore_memory(log, NOW, longest_wait, str(path)), log.lines


def restore_memory(log, now, longest_wait, path):
    return DaemonState(log, path, None).restore_memory(now, longest_wait)


def changed(**fields):
    data = json.loads(json.dumps(GOOD))
    for key, value in fields.items():
        if key.startswith("prune_"):
            data["rungs"]["prune"][key[len("prune_"):]] = value
        else:
            data[key] = value
    return data


def test_a_file_left_by_a_killed_daemon_is_read_back_with_its_budgets(tmp_path):
    memory, lines = restore(tmp_path, GOOD)
    assert memory == Memory(True, (("prune", RungMemory(NOW - 60, (NOW - 60, NOW - 600), 1, NOW + 30)),))
    assert [line[:2] for line in lines] == [("info", "daemon.memory_restored")]


def test_a_file_written_by_a_daemon_that_exited_is_restored(tmp_path):
    path = str(tmp_path / "memory.json")
    code = ("from guardian.decide.ladder import Memory, RungMemory\n"
            "from guardian.report.state import DaemonState\n"
            "DaemonState(None, {!r}, None, clock=lambda: {!r}).write_memory("
            "Memory(False, (('fstrim', RungMemory({!r}, ({!r},))),)))".format(path, NOW, NOW - 5, NOW - 5))
    subprocess.run([sys.executable, "-c", code], check=True)
    memory = restore_memory(Log(), NOW, 3600.0, path)
    assert memory.rung("fstrim").recent_runs == (NOW - 5,)


def test_no_file_is_an_empty_memory_and_nothing_said(tmp_path):
    assert restore(tmp_path, None) == (Memory(), [])


def test_a_back_off_is_never_longer_than_the_config_allows_from_now(tmp_path):
    memory, _ = restore(tmp_path, changed(prune_retry_after=NOW + 10 ** 9), longest_wait=120.0)
    assert memory.rung("prune").retry_after == NOW + 120.0


def test_another_live_daemons_file_is_not_taken(tmp_path):
    """Its memory keeps changing under us; the action lock keeps two daemons from acting at once."""
    path = str(tmp_path / "memory.json")
    child = subprocess.Popen([sys.executable, "-c", (
        "import sys\nfrom guardian.decide.ladder import Memory\n"
        "from guardian.report.state import DaemonState\n"
        "DaemonState(None, {!r}, None, clock=lambda: {!r}).write_memory(Memory(True))\n"
        "print('written', flush=True)\nsys.stdin.read()").format(path, NOW)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        child.stdout.readline()
        log = Log()
        assert restore_memory(log, NOW, 3600.0, path) == Memory()
        assert "another daemon (pid {})".format(child.pid) in log.lines[0][2]["reason"]
    finally:
        child.stdin.close()
        child.wait()


BAD = [
    ("not json", "{"),
    ("empty", ""),
    ("a list", "[]"),
    ("deep", "[" * 100000 + "]" * 100000),
    ("no rungs", changed(rungs=None)),
    ("rungs a list", changed(rungs=[])),
    ("remediating a word", changed(remediating="yes")),
    ("pid a word", changed(pid="1")),
    ("pid a bool", changed(pid=True)),
    ("written_at missing", {k: v for k, v in GOOD.items() if k != "written_at"}),
    ("written_at a word", changed(written_at="now")),
    ("written in the future", changed(written_at=NOW + 86400)),
    ("last_run a word", changed(prune_last_run="yesterday")),
    ("last_run NaN", '{"pid": 1, "started": null, "written_at": 1, "remediating": false,'
                     ' "rungs": {"prune": {"last_run": NaN, "recent_runs": [], "failures": 0, "retry_after": null}}}'),
    ("last_run infinite", changed(prune_last_run=1e400)),
    ("recent_runs a number", changed(prune_recent_runs=5)),
    ("recent_runs of words", changed(prune_recent_runs=["a"])),
    ("failures negative", changed(prune_failures=-1)),
    ("failures a float", changed(prune_failures=1.5)),
    ("failures a bool", changed(prune_failures=True)),
    ("retry_after a list", changed(prune_retry_after=[])),
    ("a run after the file was written", changed(prune_recent_runs=[NOW + 3600])),
    ("a rung that is not a mapping", changed(rungs={"prune": 3})),
]


@pytest.mark.parametrize("content", [case[1] for case in BAD], ids=[case[0] for case in BAD])
def test_a_bad_file_is_one_journal_line_and_an_empty_memory(tmp_path, content):
    memory, lines = restore(tmp_path, content)
    assert memory == Memory()
    assert len(lines) == 1 and lines[0][:2] == ("warning", "daemon.memory_ignored")
    assert "\n" not in lines[0][2]["reason"]


def test_an_unreadable_file_is_one_line(tmp_path):
    (tmp_path / "memory.json").mkdir()
    log = Log()
    assert restore_memory(log, NOW, 3600.0, str(tmp_path / "memory.json")) == Memory()
    assert [line[1] for line in log.lines] == ["daemon.memory_ignored"]


def test_what_the_daemon_writes_it_reads_back_in_the_same_process(tmp_path):
    """Our own pid is not "another daemon" (a daemon that restored and wrote, then reads again)."""
    path = str(tmp_path / "memory.json")
    memory = Memory(True, (("grow", RungMemory(NOW - 1, (NOW - 1,), 2, NOW + 100)),))
    DaemonState(Log(), path, None, clock=lambda: NOW).write_memory(memory)
    assert restore_memory(Log(), NOW, 3600.0, path) == memory
