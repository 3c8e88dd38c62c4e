"""Never silent: each condition of the one verdict reaches every channel that can show it.

For every condition, a snapshot from a real RHEL 7 status line that makes it hold; then `check`'s
exit code and line, the daemon's journal entry (condition.raised with CONDITION) and its metrics
series (pool_guardian_condition) all say it, and the shipped alert rules name it. The alerts
firing is promtool's job (tests/unit/report/test_alert_rules.py), and the systemd guest proves the
chain through the installed unit (tests/integration/systemd/test_as_installed_verdict.py).
"""
import os

import pytest

from guardian.act.base import ActionResult
from guardian.decide.doctor import FAIL, WARN
from guardian.decide.doctor import Finding as DoctorFinding
from guardian.decide.forecast import Forecast
from guardian.decide.thresholds import from_marks, parse_range
from guardian.decide.verdict import EXIT_CODE, NAMES, DaemonAge, judge
from guardian.observe.snapshot import compose_snapshot
from guardian.report import nagios
from guardian.report.metrics import Metrics
from guardian.report.reporter import Reporter
from guardian.report.state import DaemonState
from tests.unit.conftest import pool_snapshot
from tests.unit.daemon.test_reporter import Journal

RULES = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "alerts", "pool-guardian.rules.yml")
HOUR = 3600.0
SOON = Forecast(900.0, 900.0, 1 << 20, None, 0.5 * HOUR, None, 0.4 * HOUR)
# condition -> (snapshot, judge's keyword arguments); each makes that condition hold
SCENES = {
    "no_pool": (compose_snapshot([], [], None), {}),
    "pool_unhealthy": (pool_snapshot(99.0, mode="out_of_data_space"), {}),
    "below_docker_floor": (pool_snapshot(92.0), {}),
    "docker_floor_soon": (pool_snapshot(50.0), {"forecast": SOON}),
    "data_usage": (pool_snapshot(76.0), {}),
    "metadata_usage": (pool_snapshot(10.0, 61.0), {}),
    "full_soon": (pool_snapshot(50.0), {"forecast": SOON}),
    "source_unavailable": (pool_snapshot(50.0)._replace(problems=("docker: no answer from unix:///x within 10 s",)),
                           {}),
    "remedy_failed": (pool_snapshot(81.0), {"failing": (ActionResult("grow", "refused", "no room: 1 GiB free"),)}),
    "risky_setting": (pool_snapshot(50.0), {"examined": (
        DoctorFinding("udev_sync", FAIL, "Udev Sync Supported: false (docker info)", "", "run a dynamically linked dockerd"),
        DoctorFinding("loop_lvm", WARN, "the pool's data device is a loop device"))}),
    "daemon_stale": (pool_snapshot(50.0), {"daemon": DaemonAge(0.0, 300.0, 900.0, False)}),
}
CHECK_ONLY = ("docker_floor_soon", "full_soon", "daemon_stale")      # need a forecast or the daemon's age
DAEMON_ONLY = ("remedy_failed",)                                      # check runs no ladder


def limits(settings):
    return from_marks(settings().watermarks)._replace(time_warning=parse_range("21600:"),
                                                       time_critical=parse_range("3600:"))


def test_every_condition_has_a_scene():
    assert sorted(SCENES) == sorted(NAMES)


@pytest.mark.parametrize("condition", NAMES)
def test_the_condition_holds_in_its_scene(settings, condition):
    snapshot, extra = SCENES[condition]
    assert judge(snapshot, limits(settings), **extra).holds(condition)


@pytest.mark.parametrize("condition", [n for n in NAMES if n not in DAEMON_ONLY])
def test_check_exits_with_its_severity_and_says_it(settings, condition):
    snapshot, extra = SCENES[condition]
    verdict = judge(snapshot, limits(settings), **extra)
    finding = next(f for f in verdict.findings if f.condition == condition)
    result = nagios.check_pool(snapshot, limits(settings), extra.get("forecast"), daemon=extra.get("daemon"),
                               examined=extra.get("examined", ()))
    assert result.code == verdict.exit_code >= EXIT_CODE[finding.severity], result.line
    if condition not in nagios.IN_THE_NUMBERS:
        assert finding.text in result.line
    else:
        assert condition.split("_")[0] in result.line


@pytest.mark.parametrize("condition", [n for n in NAMES if n not in CHECK_ONLY])
def test_the_daemon_tells_the_journal_and_the_metrics(settings, tmp_path, condition):
    snapshot, extra = SCENES[condition]
    path = str(tmp_path / "pool_guardian.prom")
    config = settings("metrics:\n  path: {}\n".format(path))
    journal = Journal()
    metrics = Metrics(journal, DaemonState(journal, None, None))
    metrics.configure(config)
    reporter = Reporter(journal, config, lambda: 0.0)
    reporter.observed(snapshot, {"poll"})
    metrics.observed(snapshot)
    verdict = judge(snapshot, from_marks(config.watermarks), **extra)
    reporter.verdict(verdict)
    metrics.judged(verdict)
    metrics.write()
    finding = next(f for f in verdict.findings if f.condition == condition)
    assert [e["severity"] for e in journal.events("condition.raised") if e["condition"] == condition] == \
        [finding.severity]
    series = 'pool_guardian_condition{{condition="{}"}} {}'.format(condition, EXIT_CODE[finding.severity])
    assert series in open(path).read().splitlines()


@pytest.mark.parametrize("condition", [n for n in NAMES if n not in CHECK_ONLY])
def test_a_shipped_alert_rule_names_the_condition(condition):
    rules = open(RULES).read()
    assert 'condition="{}"'.format(condition) in rules or \
        (condition == "no_pool" and "pool_guardian_pools_watched == 0" in rules) or \
        (condition in ("data_usage", "metadata_usage") and "data_usage|metadata_usage" in rules)
