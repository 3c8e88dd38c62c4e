"""The shipped alert rules, checked and tested by Prometheus' promtool (Debian's prometheus package).

docs/alerts/pool-guardian.rules.test.yml replays one fill the way the daemon reports it, then the
guardian's own troubles (Docker down, no pool, a rung failing, no metrics at all): each alert fires
when it should, and stays quiet before, for a burst that stops, and once the trouble is over.
"""
import os
import re
import subprocess

import yaml

from guardian.decide.verdict import NAMES
from guardian.report.events import CATALOGUE

ALERTS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "alerts")
COUNT = 11


def promtool(*args):
    proc = subprocess.run(["promtool"] + list(args), cwd=ALERTS, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True)
    return proc.returncode, proc.stdout


def rules():
    with open(os.path.join(ALERTS, "pool-guardian.rules.yml")) as handle:
        return [rule for group in yaml.safe_load(handle)["groups"] for rule in group["rules"]]


def test_the_rules_are_valid():
    code, out = promtool("check", "rules", "pool-guardian.rules.yml")
    assert code == 0 and "SUCCESS: {} rules found".format(COUNT) in out, out


def test_each_alert_fires_on_a_fill_and_stays_quiet_when_it_should():
    code, out = promtool("test", "rules", "pool-guardian.rules.test.yml")
    assert code == 0 and "SUCCESS" in out, out


def test_every_alert_is_tested_firing():
    names = [rule["alert"] for rule in rules()]
    with open(os.path.join(ALERTS, "pool-guardian.rules.test.yml")) as handle:
        tests = handle.read().split("alertname: ")[1:]
    fired = {t.split()[0] for t in tests if "exp_labels" in t.split("alertname")[0]}
    assert len(names) == COUNT and set(names) == fired


def test_an_alert_on_a_condition_points_at_its_journal_entries():
    """`journalctl -u pool-guardian MESSAGE_ID=<condition.raised> CONDITION=<the condition>`."""
    query = "journalctl -u pool-guardian MESSAGE_ID={} CONDITION=".format(CATALOGUE["condition.raised"].message_id)
    on_conditions = [rule for rule in rules() if "pool_guardian_condition" in rule["expr"]]
    assert on_conditions
    for rule in on_conditions:
        named = re.findall(r'condition=~?"([a-z_|]+)"', rule["expr"])
        assert named and set("|".join(named).split("|")) <= set(NAMES), rule["alert"]
        said = rule["annotations"]["description"]
        assert query in said, rule["alert"]
        told = said.split(query)[1].split()[0]
        assert told == "{{" or told in named, rule["alert"]      # {{ $labels.condition }} for several
