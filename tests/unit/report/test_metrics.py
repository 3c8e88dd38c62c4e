"""The metrics file: what the daemon's Metrics write, checked by Prometheus' own promtool.

The Metrics are told what the engine tells them (observed, evaluated, judged, acted) and written
when the service writes them, with pools built from a real RHEL 7 status line; the file must pass
`promtool check metrics`.
"""
import os
import subprocess

from guardian.act.base import DONE, FAILED, ActionResult
from guardian.decide.thresholds import from_marks
from guardian.decide.verdict import NAMES, judge
from guardian.observe.snapshot import compose_snapshot
from guardian.report.metrics import Metrics
from guardian.report.state import DaemonState
from tests.unit.conftest import pool_snapshot
from tests.unit.daemon.test_reporter import Journal


def daemon_metrics(settings, tmp_path, path=None):
    path = path or str(tmp_path / "pool_guardian.prom")
    config = settings("metrics:\n  path: {}\n  forecast_window: 1m\n".format(path))
    journal = Journal()
    state = DaemonState(journal, None, str(tmp_path / "run" / "fill.json"))
    state.configure(config)
    metrics = Metrics(journal, state, clock=lambda: 1700000000.0)
    metrics.configure(config, lambda: {"udev": True, "dm_events": False})
    return metrics, config, journal, path


def evaluate(metrics, config, snapshot):
    """As the engine evaluates (observed, evaluated: a climb would go here, then judged) and the
    service writes after it."""
    metrics.state.looked(snapshot)
    metrics.observed(snapshot)
    metrics.evaluated()
    metrics.judged(judge(snapshot, from_marks(config.watermarks)))
    publish(metrics)


def publish(metrics):
    metrics.state.write_history()
    metrics.write()


def samples(text):
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
            for line in text.splitlines() if line and not line.startswith("#")}


def test_each_evaluation_writes_a_file_promtool_accepts(settings, tmp_path):
    metrics, config, _, path = daemon_metrics(settings, tmp_path)
    for i, percent in enumerate((50.0, 55.0, 60.0, 66.0)):
        evaluate(metrics, config, pool_snapshot(percent)._replace(taken_at=20.0 * i))
    before, after = pool_snapshot(90.0).pool, pool_snapshot(60.0).pool
    metrics.acted(ActionResult("prune_containers", DONE, "removed 3"), before, after)
    metrics.acted(ActionResult("fstrim", FAILED, "fstrim: timed out"), after, after)
    publish(metrics)
    with open(path) as handle:
        text = handle.read()
    check = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
    assert check.returncode == 0 and not check.stdout.strip(), check.stdout.decode()
    got = samples(text)
    pool = 'pool="docker-8:1-696417-pool"'
    assert got["pool_guardian_data_size_bytes{%s}" % pool] == 1638400 * 65536
    assert got['pool_guardian_pool_level{level="warning",%s}' % pool] == 0
    assert got['pool_guardian_pool_mode{mode="rw",%s}' % pool] == 1
    assert got['pool_guardian_watermark_ratio{mark="critical",resource="data"}'] == 0.85
    assert got['pool_guardian_actions_total{outcome="done",rung="prune_containers"}'] == 1
    assert got['pool_guardian_actions_total{outcome="failed",rung="fstrim"}'] == 1
    assert got['pool_guardian_actions_total{outcome="failed",rung="grow"}'] == 0     # there before it happens
    assert got['pool_guardian_reclaimed_bytes_total{rung="prune_containers"}'] == \
        before.data_used_bytes - after.data_used_bytes
    assert got['pool_guardian_source_up{source="docker"}'] == 1
    assert got['pool_guardian_source_up{source="dm_events"}'] == 0
    assert 'pool_guardian_source_up{source="backing"}' not in got          # not a loop-lvm pool
    assert got["pool_guardian_last_evaluation_timestamp_seconds"] == 1700000000.0
    rate = got["pool_guardian_data_fill_rate_bytes_per_second{%s}" % pool]
    assert rate > 0 and got["pool_guardian_data_full_seconds{%s}" % pool] > 0


def test_every_family_has_help_and_type_and_the_names_follow_the_conventions(settings, tmp_path):
    metrics, config, _, path = daemon_metrics(settings, tmp_path)
    evaluate(metrics, config, pool_snapshot(50.0))
    with open(path) as handle:
        lines = handle.read().splitlines()
    families = {}
    for line in lines:
        if line.startswith("# "):
            kind, name = line.split()[1:3]
            families.setdefault(name, []).append(kind)
    assert all(kinds == ["HELP", "TYPE"] for kinds in families.values())
    types = {line.split()[2]: line.split()[3] for line in lines if line.startswith("# TYPE")}
    assert all(name.endswith("_total") == (kind == "counter") for name, kind in types.items())
    assert all(len(line.rsplit("} ", 1)[-1].split()) <= 2 for line in lines if not line.startswith("#"))
    ratios = [line for line in lines if "_ratio" in line and not line.startswith("#")]
    assert ratios and all(0 <= float(line.rsplit(" ", 1)[1]) <= 1 for line in ratios)


def test_a_missing_directory_is_one_warning_and_the_daemon_goes_on(settings, tmp_path):
    missing = str(tmp_path / "no-node-exporter" / "pool_guardian.prom")
    metrics, config, journal, _ = daemon_metrics(settings, tmp_path, missing)
    for _ in range(3):
        evaluate(metrics, config, pool_snapshot(50.0))
    warnings = journal.events("metrics.not_written")
    assert [(w["level"], w["path"]) for w in warnings] == [("warning", missing)]
    assert not os.path.exists(missing)


def test_the_samples_survive_a_restart(settings, tmp_path):
    metrics, config, journal, _ = daemon_metrics(settings, tmp_path)
    evaluate(metrics, config, pool_snapshot(50.0)._replace(taken_at=10.0))
    again = DaemonState(journal, None, str(tmp_path / "run" / "fill.json"))
    assert [s.at for s in again.history.data] == [10.0]


def test_a_refused_reload_is_in_the_file_until_one_succeeds(settings, tmp_path):
    metrics, config, _, path = daemon_metrics(settings, tmp_path)
    metrics.reloaded(False)
    evaluate(metrics, config, pool_snapshot(50.0))
    assert samples(open(path).read())["pool_guardian_config_last_reload_successful"] == 0
    metrics.reloaded(True)
    evaluate(metrics, config, pool_snapshot(50.0))
    assert samples(open(path).read())["pool_guardian_config_last_reload_successful"] == 1


def test_every_condition_is_a_series_and_a_blind_daemon_says_it_watches_no_pool(settings, tmp_path):
    metrics, config, _, path = daemon_metrics(settings, tmp_path)
    evaluate(metrics, config, pool_snapshot(92.0))
    got = samples(open(path).read())
    assert {name for name in NAMES} == {k.split('"')[1] for k in got if k.startswith("pool_guardian_condition{")}
    assert got['pool_guardian_condition{condition="below_docker_floor"}'] == 2
    assert got['pool_guardian_condition{condition="no_pool"}'] == 0
    assert got["pool_guardian_pools_watched"] == 1 and got["pool_guardian_verdict"] == 2
    evaluate(metrics, config, compose_snapshot([], [], None))
    got = samples(open(path).read())
    assert got["pool_guardian_pools_watched"] == 0 and got["pool_guardian_verdict"] == 3
    assert got['pool_guardian_condition{condition="no_pool"}'] == 3
    assert got['pool_guardian_condition{condition="below_docker_floor"}'] == 0


def test_who_uses_the_pool_is_a_bounded_label_set_and_shows_when_it_was_read(settings, tmp_path):
    from guardian.decide.consumers import usage
    from guardian.tools.top import Row
    path = str(tmp_path / "pool_guardian.prom")
    metrics, _, _, _ = daemon_metrics(settings, tmp_path, path)
    config = settings("mode: enforce\nmetrics:\n  path: {}\n  top_consumers: 2\n".format(path))
    metrics.configure(config)
    table = [Row("container", 'web "{}"'.format(i), "c{:011d}".format(i), 10 + i, i, 20 + i, 30 + i)
             for i in range(40)] + [Row("deleted", "x", "d", 99, 7, 0, 7)]
    metrics.usage_read(usage(table, config.metrics.top_consumers), 1.5)
    evaluate(metrics, config, pool_snapshot(50.0))
    text = open(path).read()
    got = samples(text)
    named = [k for k in got if k.startswith("pool_guardian_consumer_exclusive_bytes{")]
    assert named == ['pool_guardian_consumer_exclusive_bytes{id="c00000000039",kind="container",name="web \\"39\\""}',
                     'pool_guardian_consumer_exclusive_bytes{id="c00000000038",kind="container",name="web \\"38\\""}']
    assert got['pool_guardian_usage_exclusive_bytes{kind="container"}'] == sum(range(40))
    assert got['pool_guardian_usage_exclusive_bytes{kind="deleted"}'] == 7
    assert got["pool_guardian_thin_devices"] == 41 and got["pool_guardian_usage_read_duration_seconds"] == 1.5
    assert got["pool_guardian_usage_last_read_timestamp_seconds"] == 1700000000.0
    check = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
    assert check.returncode == 0, check.stdout.decode()
    metrics.configure(settings("mode: observe\nmetrics:\n  path: {}\n".format(path)))
    evaluate(metrics, config, pool_snapshot(50.0))
    assert not any(k.startswith("pool_guardian_consumer") for k in samples(open(path).read()))
