"""The one verdict, from snapshots built on a real RHEL 7 status line: each condition, its
severity, and the order every channel shows them in."""
from guardian.act.base import ActionResult
from guardian.decide.forecast import Forecast
from guardian.decide.thresholds import from_marks, parse_range
from guardian.decide.verdict import (CONDITIONS, CRITICAL, NAMES, OK, UNKNOWN, WARNING, DaemonAge, judge,
                                     problem_source)
from guardian.observe.snapshot import compose_snapshot
from tests.unit.conftest import pool_snapshot

HOUR = 3600.0


def limits(settings, **time):
    marks = from_marks(settings().watermarks)
    return marks._replace(**{k: parse_range(v) for k, v in time.items()})


def conditions(verdict):
    return [(f.condition, f.severity) for f in verdict.findings]


def test_a_pool_below_its_marks_holds_nothing(settings):
    v = judge(pool_snapshot(50.0, 1.0), limits(settings))
    assert v.findings == () and v.severity == OK and v.exit_code == 0
    assert v.headline == "data 50.0% metadata 1.0%"


def test_below_dockers_floor_is_critical_whatever_the_usage_thresholds(settings):
    loose = limits(settings)._replace(data_warning=parse_range("95"), data_critical=parse_range("98"))
    v = judge(pool_snapshot(92.0, 1.0), loose)
    assert conditions(v) == [("below_docker_floor", CRITICAL)] and v.exit_code == 2
    assert "Docker refuses pulls and new containers" in v.headline


def test_metadata_below_dockers_floor_is_critical_too(settings):
    v = judge(pool_snapshot(10.0, 93.0), limits(settings))
    assert ("below_docker_floor", CRITICAL) in conditions(v)
    assert [f.subject for f in v.findings if f.condition == "below_docker_floor"] == ["metadata"]


def test_usage_past_a_mark_names_the_mark(settings):
    v = judge(pool_snapshot(76.0, 61.0), limits(settings))
    assert conditions(v) == [("data_usage", WARNING), ("metadata_usage", WARNING)]
    assert v.findings[0].text == "data 76.0% (the warning threshold is 75)"


def test_the_kernels_word_is_critical(settings):
    v = judge(pool_snapshot(99.0, 1.0, mode="out_of_data_space"), limits(settings))
    assert v.findings[0].condition == "pool_unhealthy" and v.severity == CRITICAL


def test_reaching_dockers_floor_soon_alerts_like_full_soon(settings):
    outlook = Forecast(900.0, 900.0, 1 << 20, None, 9 * HOUR, None, 0.5 * HOUR)
    v = judge(pool_snapshot(50.0), limits(settings, time_warning="21600:", time_critical="3600:"), outlook)
    assert conditions(v) == [("docker_floor_soon", CRITICAL)]
    assert v.headline == "below Docker's floor in ~30 min (critical under 60 min)"


def test_no_pool_is_unknown_and_says_why_without_a_source_word(settings):
    snap = compose_snapshot([], [], None)
    v = judge(snap, limits(settings))
    assert conditions(v) == [("no_pool", UNKNOWN)] and v.exit_code == 3
    assert v.headline == "no pool to watch: no thin-pool device in dmsetup status"


def test_docker_not_answering_is_a_warning_that_names_docker(settings):
    snap = pool_snapshot(50.0)._replace(problems=("docker: no answer from unix:///var/run/docker.sock in 10 s",))
    v = judge(snap, limits(settings))
    assert conditions(v) == [("source_unavailable", WARNING)] and v.findings[0].subject == "docker"


def test_a_failed_or_refused_rung_is_a_finding(settings):
    refused = ActionResult("grow", "refused", "the room check says no: 1.0 GiB free, 2.0 GiB reserve")
    v = judge(pool_snapshot(81.0), limits(settings), failing=(refused,))
    assert ("remedy_failed", WARNING) in conditions(v)
    assert "grow refused: the room check says no" in [f.text for f in v.findings][-1]


def test_a_stale_daemon_is_a_warning_and_a_daemon_never_run_only_when_enabled(settings):
    stale = DaemonAge(last_evaluation=0.0, max_age=300.0, now=900.0, enabled=False)
    assert conditions(judge(pool_snapshot(), limits(settings), daemon=stale)) == [("daemon_stale", WARNING)]
    fresh = stale._replace(now=100.0)
    assert judge(pool_snapshot(), limits(settings), daemon=fresh).findings == ()
    never = DaemonAge(None, 300.0, 900.0, enabled=True)
    assert "has not evaluated the pool since boot" in judge(pool_snapshot(), limits(settings), daemon=never).headline
    assert judge(pool_snapshot(), limits(settings), daemon=never._replace(enabled=False)).findings == ()


def test_worst_first_and_critical_beats_unknown_and_warning(settings):
    snap = pool_snapshot(92.0)._replace(problems=("docker: refused",))
    assert [f.severity for f in judge(snap, limits(settings)).findings] == [CRITICAL, CRITICAL, WARNING]


def test_problem_lines_name_their_source_or_are_a_reason():
    assert problem_source("backing filesystem: /var/lib/docker: Permission denied") == "backing"
    assert problem_source("several thin pools (a, b): set pool.name in the config") is None
    assert problem_source("") is None


def test_every_condition_has_a_meaning_and_what_to_do():
    assert len(set(NAMES)) == len(CONDITIONS)
    assert all(c.meaning and c.todo for c in CONDITIONS)
