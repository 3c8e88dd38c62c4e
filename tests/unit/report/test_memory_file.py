"""The daemon's memory file: what `plan` reads, and when it refuses to."""
import json
import os
import subprocess
import sys

from guardian.decide.ladder import Memory, Plan, RungMemory, Step
from guardian.report.state import DaemonState, read_daemon_memory
from guardian.report.render import render_plan

MEMORY = Memory(True, (("fstrim", RungMemory(100.0, (100.0, 50.0), 0, None)),
                       ("grow", RungMemory(90.0, (90.0,), 2, 400.0)))).learnt("pool-a", "fstrim", 1.5, 272 << 20)


class Log:
    def __init__(self):
        self.warnings = []

    def warning(self, event, **fields):
        self.warnings.append((event, fields))


def test_the_running_daemons_memory_is_read_back_as_written(tmp_path):
    path = str(tmp_path / "memory.json")
    DaemonState(Log(), path, None, clock=lambda: 123.0).write_memory(MEMORY)
    memory, source = read_daemon_memory(path)
    assert memory == MEMORY
    assert source == "the running daemon's (pid {}, {})".format(os.getpid(), path)


def test_a_file_from_before_the_estimates_is_read_with_none(tmp_path):
    path = str(tmp_path / "memory.json")
    DaemonState(Log(), path, None, clock=lambda: 123.0).write_memory(MEMORY)
    with open(path) as f:
        data = json.load(f)
    del data["estimates"], data["pool"]
    with open(path, "w") as f:
        json.dump(data, f)
    memory, _ = read_daemon_memory(path)
    assert memory == MEMORY._replace(pool=None, estimates=())


def test_a_file_left_by_a_daemon_that_is_gone_is_not_used(tmp_path):
    path = str(tmp_path / "memory.json")
    code = ("from guardian.decide.ladder import Memory\n"
            "from guardian.report.state import DaemonState\n"
            "DaemonState(None, {!r}, None).write_memory(Memory(True))".format(path))
    subprocess.run([sys.executable, "-c", code], check=True)
    memory, source = read_daemon_memory(path)
    assert memory == Memory() and "is no longer running" in source


def test_no_file_is_an_empty_memory_that_says_why(tmp_path):
    path = str(tmp_path / "memory.json")
    assert read_daemon_memory(path) == (Memory(), "empty: no daemon memory in {} (no daemon running)".format(path))


def test_a_file_that_is_not_a_memory_file_is_one_line_naming_it(tmp_path):
    path = tmp_path / "memory.json"
    path.write_text(json.dumps({"pid": 1, "rungs": []}))
    memory, source = read_daemon_memory(str(path))
    assert memory == Memory() and source.startswith("empty: {}: not a pool-guardian memory file".format(path))
    assert "\n" not in source


def test_an_unwritable_place_is_one_warning_and_the_daemon_goes_on(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    log = Log()
    writer = DaemonState(log, str(blocker / "memory.json"), None)
    writer.write_memory(MEMORY)
    writer.write_memory(MEMORY._replace(remediating=False))
    assert [event for event, _ in log.warnings] == ["daemon.memory_not_written"]


def test_the_plan_says_whose_memory_it_used():
    current = Plan("docker-pool", "enforce", "high", "above the high mark", (),
                   (Step("grow", "cooling down for 7 s"),), None, True)
    text = render_plan(current, "the running daemon's (pid 812, /run/pool-guardian/memory.json)")
    assert text.splitlines()[2] == "  memory: the running daemon's (pid 812, /run/pool-guardian/memory.json)"


def test_the_plan_shows_under_each_step_what_that_rung_would_act_on_and_leave():
    current = Plan("docker-pool", "enforce", "high", "above the high mark",
                   (Step("prune_containers", "in the configured order"), Step("grow", "last")), (), None, True)
    text = render_plan(current, rung_plans={"prune_containers": "remove: old-1 (exited 3.0 h ago); keep: web (running)"})
    assert text.splitlines()[2:5] == ["  run  prune_containers: in the configured order",
                                      "       remove: old-1 (exited 3.0 h ago); keep: web (running)",
                                      "  run  grow: last"]
