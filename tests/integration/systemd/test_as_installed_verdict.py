"""Never silent, as installed: the RPM's pool-guardian.service under the el7 profile (el7.py).

Each condition that stops Docker or blinds the guardian reaches every channel from the one verdict:
`check`'s exit code and line, systemd's STATUS, the journal's condition.raised entry, the metrics
series, and the shipped alert rule, proved by `promtool test rules` fed from that very metrics file.
"""
import os
import re
import time

import pytest
import yaml

from tests.integration.bedlib import run, sh
from tests.integration.bedlib.guardian import BARE_POOL_CONFIG
from tests.integration.bedlib.pools import ThinPool
from tests.integration.systemd import el7
from tests.integration.systemd.el7 import journal, show, wait_for

METRICS = "/var/lib/node_exporter/textfile_collector/pool_guardian.prom"     # the default path
RULES = "/usr/share/doc/pool-guardian/alerts/pool-guardian.rules.yml"          # as the RPM ships them
OBSERVE = "mode: observe\nschedule:\n  poll_interval: 2s\n"
CHECK = ["/usr/bin/pool-guardian", "check"]


@pytest.fixture
def installed():
    previous_python = el7.install()
    os.makedirs(os.path.dirname(METRICS), exist_ok=True)
    pools = []
    try:
        yield pools
    finally:
        el7.uninstall(previous_python)
        sh("rm -f " + METRICS, check=False)
        for pool in pools:
            pool.destroy()


def configure(text):
    with open(el7.CONFIG, "w", encoding="utf-8") as f:
        f.write(text)


def start():
    sh("systemctl start " + el7.UNIT, timeout=240)     # returns once READY=1 arrived


def check(*args):
    """`check` as NRPE runs it: LANG=C, its line and exit code."""
    proc = run(CHECK + list(args), check=False, timeout=60, env=dict(os.environ, LANG="C", LC_ALL="C"))
    return proc.returncode, proc.stdout.strip()


def samples():
    values = {}
    for line in open(METRICS).read().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = value
    return values


def fires(alert, tmp):
    """The shipped rule, fed the daemon's metrics file held for 10 minutes as node_exporter would
    serve it, fires `alert`: promtool test rules with the labels the rule's result carries."""
    series = []
    for name, value in samples().items():
        base, _, labels = name.partition("{")
        labels = labels.rstrip("}")
        tagged = "{}{{{}instance=\"host\",job=\"node\"}}".format(base, labels + "," if labels else "")
        series.append({"series": tagged, "values": "{}x10".format(value if value != "NaN" else "_")})
    rule = [r for g in yaml.safe_load(open(RULES))["groups"] for r in g["rules"] if r.get("alert") == alert]
    assert rule, "no alert {} in {}".format(alert, RULES)
    labels = _labels(rule[0], series)
    annotations = {k: re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda m: labels[m.group(1)], v)
                   for k, v in rule[0].get("annotations", {}).items()}
    test = {"rule_files": [RULES], "evaluation_interval": "1m",
            "tests": [{"interval": "1m", "input_series": series,
                       "alert_rule_test": [{"eval_time": "10m", "alertname": alert,
                                            "exp_alerts": [{"exp_labels": labels,
                                                            "exp_annotations": annotations}]}]}]}
    path = os.path.join(tmp, "from-the-daemon.test.yml")
    with open(path, "w") as f:
        yaml.safe_dump(test, f)
    proc = run(["promtool", "test", "rules", path], check=False, timeout=120)
    return proc.returncode == 0, proc.stdout + proc.stderr


def _labels(rule, series):
    """The rule's own labels plus those of the one series its expression selects."""
    selector = re.search(r"(pool_guardian_\w+)(\{[^}]*\})?", rule["expr"])
    name, matchers = selector.group(1), dict(re.findall(r'(\w+)="([^"]*)"', selector.group(2) or ""))
    for s in series:
        base, labels = s["series"].split("{", 1)
        got = dict(re.findall(r'(\w+)="([^"]*)"', labels))
        if base == name and all(got.get(k) == v for k, v in matchers.items()):
            return dict(got, **rule.get("labels", {}))
    raise AssertionError("no series in the metrics file for " + selector.group(0))


def test_a_pool_below_dockers_floor_reaches_every_channel(installed, tmp_path):
    """observe mode: nothing acts, and every channel says Docker now refuses pulls and containers."""
    pool = ThinPool(data_size=128 << 20)
    installed.append(pool)
    thin = pool.create_thin(256 << 20)
    sh("dd if=/dev/urandom of={} bs=1M count=118 oflag=direct status=none".format(thin.path))   # 92%
    configure(OBSERVE + BARE_POOL_CONFIG.format(pool=pool.name))
    start()
    code, line = check("--data-warning", "95", "--data-critical", "98")
    assert code == 2 and line.startswith("POOL CRITICAL - ") and "Docker refuses pulls" in line, line
    status = wait_for(lambda: "below Docker's floor" in show("StatusText") and show("StatusText"), 60, "STATUS")
    assert "CRITICAL" in status
    raised = wait_for(lambda: journal("-u", el7.UNIT, "EVENT=condition.raised", "CONDITION=below_docker_floor",
                                      "POOL=" + pool.name), 60, "the journal's condition.raised")
    assert raised[0]["PRIORITY"] == "2" and raised[0]["SEVERITY"] == "critical", raised[0]
    wait_for(lambda: samples().get('pool_guardian_condition{condition="below_docker_floor"}') == "2", 60,
             "the metrics series")
    ok, said = fires("DockerThinPoolBelowDockerFloor", str(tmp_path))
    assert ok, said


def test_a_daemon_with_no_pool_to_watch_reaches_every_channel(installed, tmp_path):
    """Two thin pools and no pool.name: the daemon is blind and every channel says why."""
    installed.extend([ThinPool(data_size=64 << 20), ThinPool(data_size=64 << 20)])
    configure(OBSERVE + "pool:\n  docker_host: unix:///run/no-docker-here.sock\n  docker_timeout: 1s\n")
    start()
    code, line = check()
    assert code == 3 and line.startswith("POOL UNKNOWN - no pool to watch: several thin pools"), line
    status = wait_for(lambda: "no pool to watch" in show("StatusText") and show("StatusText"), 60, "STATUS")
    assert status.startswith("UNKNOWN: no pool to watch: several thin pools"), status
    raised = wait_for(lambda: journal("-u", el7.UNIT, "EVENT=condition.raised", "CONDITION=no_pool"), 60,
                      "the journal's condition.raised")
    assert raised[0]["SEVERITY"] == "unknown" and "several thin pools" in raised[0]["MESSAGE"]
    assert not journal("-u", el7.UNIT, "EVENT=source.unavailable", "SOURCE=several"), "SOURCE holds a sentence"
    wait_for(lambda: samples().get("pool_guardian_pools_watched") == "0", 60, "pools_watched 0")
    assert samples()['pool_guardian_condition{condition="no_pool"}'] == "3"
    ok, said = fires("PoolGuardianBlind", str(tmp_path))
    assert ok, said


def test_check_says_when_the_daemon_has_stopped_or_never_ran(installed):
    pool = ThinPool(data_size=64 << 20)
    installed.append(pool)
    configure(OBSERVE + BARE_POOL_CONFIG.format(pool=pool.name))
    start()
    code, line = check("--daemon-max-age", "20s")
    assert code == 0, line
    sh("systemctl stop " + el7.UNIT, timeout=60)
    time.sleep(25)
    code, line = check("--daemon-max-age", "20s")
    assert code == 1 and "the daemon last evaluated the pool" in line, line
    assert check("--daemon-max-age", "20s", "--no-daemon")[0] == 0
    sh("systemctl enable {} && rm -rf /run/pool-guardian".format(el7.UNIT))
    try:
        code, line = check()
        assert code == 1 and "enabled but the daemon has not evaluated the pool since boot" in line, line
    finally:
        sh("systemctl disable " + el7.UNIT, check=False)
