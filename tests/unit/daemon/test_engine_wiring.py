"""The engine as the service wires it: its parts come in at construction, one fill history gives
the fill rate and the forecast, and the service's files are written after each action and each
evaluation, never between a decision to act and its first rung."""
import contextlib
import time

from guardian.act import RUNGS
from guardian.act.base import DONE, ActionResult
from guardian.act import base
from guardian.daemon import engine as engine_module
from guardian.daemon.engine import Engine
from guardian.daemon.service import Service
from guardian.report.metrics import Metrics
from guardian.report.reporter import Reporter
from guardian.report.state import DaemonState
from tests.unit.conftest import pool_snapshot
from tests.unit.daemon.test_reporter import Journal

GIB = 1 << 30


class Looks:
    """The pool at these usages, one look every `every` seconds (the last one stays); a (usage,
    data blocks) pair is a pool of that size."""

    def __init__(self, *percents, every=5.0):
        self.percents = list(percents)
        self.every = every
        self.at = 0.0
        self.asked = []         # ask_docker of each look

    def snapshot(self, refresh_docker=False, kernel_only=False, ask_docker=True):
        self.asked.append(ask_docker)
        self.at += self.every
        look = self.percents.pop(0) if len(self.percents) > 1 else self.percents[0]
        return pool_snapshot(*((look,) if isinstance(look, float) else (look[0], 1.0, "rw", look[1])))._replace(
            taken_at=self.at)


def wired(settings, observer, config, events, monkeypatch, rung=None):
    monkeypatch.setattr(base, "action_lock", contextlib.ExitStack)    # no lock in /run here
    config = settings(config)
    journal = Journal()
    state = DaemonState(journal, None, None)
    state.configure(config)
    metrics = Metrics(journal, state)
    metrics.configure(config)

    def quick(name):
        def run(snapshot, ctx):
            events.append("rung " + name)
            return ActionResult(name, DONE, "did it")
        return run
    return Engine(config, None, journal, observer, Reporter(journal, config, lambda: 0.0),
                  rungs={name: (rung or quick)(name) for name in RUNGS}, state=state, metrics=metrics,
                  heartbeat=lambda: events.append("heartbeat"), after_action=lambda: events.append("publish"),
                  on_verdict=lambda: events.append("told"))


def test_the_files_are_written_after_each_rung_and_never_before_the_first(settings, monkeypatch):
    events = []
    engine = wired(settings, Looks(90.0, 90.0, 88.0), "mode: enforce\n", events, monkeypatch)
    engine.evaluate({"dm-event"})
    rungs = [i for i, e in enumerate(events) if e.startswith("rung ")]
    assert len(rungs) >= 2 and events[0] == "heartbeat" and "publish" not in events[:rungs[0]]
    assert all("publish" in events[i:j] for i, j in zip(rungs, rungs[1:] + [len(events)]))
    assert engine.metrics.actions[(events[rungs[0]][len("rung "):], DONE)] == 1


def test_one_history_gives_the_fill_rate_the_forecast_and_what_is_published(settings, monkeypatch):
    engine = wired(settings, Looks(50.0, 51.0, 52.0), "metrics:\n  forecast_window: 10s\n", [], monkeypatch)
    for _ in range(3):
        engine.evaluate({"poll"})
    state = engine.state
    assert [s.at for s in state.history.data] == [5.0, 10.0, 15.0]
    rate = GIB / 5.0                                    # 1% of 100 GiB in 5 s
    assert engine._fill_rate() == state.fill_rate() == rate
    outlook = state.forecast(engine.last_snapshot.pool, 10.0)
    assert outlook.data_rate == rate and outlook.span == 5.0        # the window's, not the minute's
    families = {f.name: f for f in engine.metrics.families()}
    assert families["pool_guardian_data_fill_rate_bytes_per_second"].samples[0][1] == rate


def test_the_service_builds_its_host_from_the_mode_in_force(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("mode: dry-run\nlog:\n  target: console\n")
    assert Service(str(config)).app.host.dry_run
    assert not Service(str(config), mode="enforce").app.host.dry_run      # `run --mode enforce`


def test_a_reload_keeps_what_the_journal_was_told_and_the_failing_rungs(tmp_path):
    """The engine built after a reload reports through the same Reporter, so a condition the reload
    clears (a risky setting changed) is told cleared, and a rung still failing is still a finding."""
    config = tmp_path / "config.yaml"
    config.write_text("mode: observe\nlog:\n  target: console\n")
    service = Service(str(config))
    before = service._engine(None)
    before.failing["grow"] = ActionResult("grow", "refused", "no room")
    after = service._engine(before.memory, before.failing)
    assert after.reporter is before.reporter
    assert after.failing == {"grow": before.failing["grow"]} and after.failing is not before.failing


def test_after_the_brake_the_climb_goes_on_reclaiming_below_the_low_marks(settings, monkeypatch):
    """The ci replay grew 1 -> 2 GiB and pruned only at the end: each brake took the pool under
    its low mark and the climb stopped there (bench/RESULTS.md)."""
    events = []
    config = "mode: enforce\nladder:\n  grow:\n    enabled: true\n"
    engine = wired(settings, Looks(70.0, 86.0, (43.0, 2 * 1638400)), config, events, monkeypatch)
    engine.evaluate({"poll"})
    braked = engine.evaluate({"dm-event"})      # 16% of 100 GiB in 5 s: ~1 s to Docker's floor; grown twice
    assert [e for e in events if e.startswith("rung ")] == ["rung grow", "rung prune_containers", "rung fstrim"]
    assert not braked.remediating
    assert [e["steps"] for e in engine.log.events("climb.after_brake")] == ["prune_containers,fstrim"]


def test_without_the_brake_the_climb_stops_below_the_low_marks(settings, monkeypatch):
    events = []
    engine = wired(settings, Looks(85.0, 40.0), "mode: enforce\n", events, monkeypatch)
    engine.evaluate({"dm-event"})
    assert [e for e in events if e.startswith("rung ")] == ["rung prune_containers"]


def test_a_brake_that_could_not_grow_leaves_the_climb_to_the_marks(settings, monkeypatch):
    """The churn replay: grow at its maximum was refused as the brake, prune_containers took the
    pool under its low marks, and the climb went on as if the pool had grown."""
    events = []
    config = "mode: enforce\nladder:\n  grow:\n    enabled: true\n"
    engine = wired(settings, Looks(70.0, 86.0, 86.0, 40.0), config, events, monkeypatch)
    engine.evaluate({"poll"})
    engine.evaluate({"dm-event"})
    assert [e for e in events if e.startswith("rung ")] == ["rung grow", "rung prune_containers"]
    assert engine.log.events("climb.after_brake") == []



def test_docker_s_floor_crossed_while_a_rung_runs_is_told_before_the_rung_ends(settings, monkeypatch):
    """The churn replay: the pool went from 80% past Docker's floor and back to 71% during one
    28 s prune, and the journal said nothing of it. The looks each second while a rung runs are
    judged and told (journal, metrics, STATUS) as they come, without asking Docker."""
    monkeypatch.setattr(engine_module, "RACE_SECONDS", 0.01)
    events, engines = [], []

    def floor_told():
        return [e for e in engines[0].log.events("condition.raised") if e["condition"] == "below_docker_floor"]

    def slow(name):
        def run(snapshot, ctx):
            deadline = time.monotonic() + 5.0
            while not floor_told() and time.monotonic() < deadline:
                time.sleep(0.01)
            events.append("rung " + name)
            return ActionResult(name, DONE, "did it")
        return run
    looks = Looks(50.0, 81.0, 95.0, 95.0, 95.0, 70.0)
    engines.append(wired(settings, looks, "mode: enforce\n", events, monkeypatch, rung=slow))
    engines[0].evaluate({"poll"})
    engines[0].evaluate({"dm-event"})
    assert floor_told()[0]["severity"] == "critical"
    first_rung = next(i for i, e in enumerate(events) if e.startswith("rung "))
    assert "told" in events[:first_rung]
    assert False in looks.asked         # the looks while a rung runs never ask Docker


def test_fstrim_runs_beside_a_stuck_prune_again_once_its_cooldown_lets_it(settings, monkeypatch):
    """The churn replay without the deadline rule: fstrim ran once beside a prune_containers that
    then waited 124 s on dockerd, and the pool ran out of data space behind it."""
    monkeypatch.setattr(engine_module, "RACE_SECONDS", 0.01)
    events = []

    def stuck(name):
        def run(snapshot, ctx):
            if name == "prune_containers":
                deadline = time.monotonic() + 5.0
                while events.count("rung fstrim") < 2 and time.monotonic() < deadline:
                    time.sleep(0.01)
            events.append("rung " + name)
            return ActionResult(name, DONE, "did it")
        return run
    config = "mode: enforce\nladder:\n  order: [prune_containers, fstrim]\n  fstrim: {cooldown: 1s}\n"
    looks = Looks(50.0, *[81.0 + i * 0.05 for i in range(300)], every=0.1)     # 0.5% of 100 GiB a second
    engine = wired(settings, looks, config, events, monkeypatch, rung=stuck)
    engine.evaluate({"poll"})
    engine.evaluate({"dm-event"})
    assert [e for e in events if e.startswith("rung ")][:3] == ["rung fstrim", "rung fstrim", "rung prune_containers"]
    assert [e["rung"] for e in engine.log.events("rung.beside")] == ["fstrim", "fstrim"]
