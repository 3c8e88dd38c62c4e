"""Journal entries from the daemon: one per level change, sources that fail and recover, rate limits."""
from guardian.decide.thresholds import from_marks
from guardian.decide.verdict import judge
from guardian.observe.snapshot import compose_snapshot
from guardian.report.reporter import Reporter, RepeatLimiter
from tests.unit.conftest import pool_snapshot


class Journal:
    def __init__(self):
        self.entries = []

    def __getattr__(self, level):
        return lambda event, **fields: self.entries.append(dict(fields, event=event, level=level))

    def events(self, name):
        return [e for e in self.entries if e["event"] == name]


def reporter(settings, clock=lambda: 0.0):
    journal = Journal()
    return Reporter(journal, settings(), clock), journal


def test_a_level_change_is_one_entry_with_queryable_fields(settings):
    r, journal = reporter(settings)
    r.observed(pool_snapshot(50.0), {"poll"})
    r.observed(pool_snapshot(51.0), {"poll"})
    r.observed(pool_snapshot(86.0), {"dm-event"})
    changes = journal.events("pool.level_changed")
    assert [c["pool_level"] for c in changes] == ["ok", "critical"]
    assert changes[1]["level"] == "critical"
    assert changes[1]["pool"] == "docker-8:1-696417-pool" and changes[1]["data_percent"] == 86.0


def test_an_unhealthy_pool_is_a_critical_entry(settings):
    r, journal = reporter(settings)
    r.observed(pool_snapshot(99.0, mode="out_of_data_space"), set())
    assert journal.events("pool.unhealthy")[0]["level"] == "critical"


def test_sources_are_reported_when_they_fail_and_when_they_recover(settings):
    r, journal = reporter(settings)
    down = pool_snapshot(10.0)._replace(problems=("docker: cannot reach unix:///var/run/docker.sock: x",))
    r.observed(down, set())
    r.observed(down, set())
    r.observed(pool_snapshot(10.0), set())
    assert [e["source"] for e in journal.events("source.unavailable")] == ["docker"]
    assert [e["source"] for e in journal.events("source.recovered")] == ["docker"]


def test_source_holds_the_sources_kind_and_a_reason_for_no_pool_is_not_a_source(settings):
    r, journal = reporter(settings)
    r.observed(compose_snapshot([], [], None, problems=("backing filesystem: /x: Permission denied",)), set())
    assert [e["source"] for e in journal.events("source.unavailable")] == ["backing"]
    assert all(" " not in e["source"] for e in journal.events("source.unavailable"))


def test_each_condition_of_the_verdict_is_told_when_it_starts_and_when_it_stops(settings):
    r, journal = reporter(settings)
    limits = from_marks(settings().watermarks)
    for snapshot in (pool_snapshot(50.0), pool_snapshot(92.0), pool_snapshot(93.0), pool_snapshot(50.0)):
        r.verdict(judge(snapshot, limits))
    raised = journal.events("condition.raised")
    assert [(e["condition"], e["severity"], e["level"]) for e in raised] == [
        ("below_docker_floor", "critical", "critical"), ("data_usage", "critical", "critical")]
    assert raised[0]["pool"] == "docker-8:1-696417-pool" and "Docker refuses" in raised[0]["message"]
    assert sorted(e["condition"] for e in journal.events("condition.cleared")) == ["below_docker_floor", "data_usage"]
    r.verdict(judge(compose_snapshot([], [], None), limits))
    blind = journal.events("condition.raised")[-1]
    assert (blind["condition"], blind["level"]) == ("no_pool", "error")


def test_repeats_are_held_back_and_counted():
    now = [0.0]
    limiter = RepeatLimiter(600, lambda: now[0])
    assert limiter.allow("alert") == 0
    for t in (1, 2, 3):
        now[0] = t
        assert limiter.allow("alert") is None
    now[0] = 601
    assert limiter.allow("alert") == 3


def test_an_action_an_operator_must_answer_is_critical_and_a_plain_failure_an_error(settings):
    from guardian.act.base import FAILED, REFUSED, ActionResult
    r, journal = reporter(settings)
    marks = settings().watermarks
    r.action(ActionResult("grow", REFUSED, "not growing data: reserve", critical=True),
             pool_snapshot(90.0).pool, pool_snapshot(90.0).pool, marks)
    r.action(ActionResult("fstrim", FAILED, "fstrim: timed out"), pool_snapshot(90.0).pool,
             pool_snapshot(90.0).pool, marks)
    assert [(e["rung"], e["level"]) for e in journal.events("action.failed")] == [
        ("grow", "critical"), ("fstrim", "error")]
