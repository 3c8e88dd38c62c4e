"""The shipped alert rules, checked and tested by Prometheus' promtool (Debian's prometheus package).

docs/alerts/pool-guardian.rules.test.yml replays one fill the way the daemon reports it: each
alert fires when it should, and stays quiet before, and for a burst that stops.
"""
import os
import subprocess

ALERTS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "alerts")


def promtool(*args):
    proc = subprocess.run(["promtool"] + list(args), cwd=ALERTS, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True)
    return proc.returncode, proc.stdout


def test_the_rules_are_valid():
    code, out = promtool("check", "rules", "pool-guardian.rules.yml")
    assert code == 0 and "SUCCESS: 6 rules found" in out, out


def test_each_alert_fires_on_a_fill_and_stays_quiet_when_it_should():
    code, out = promtool("test", "rules", "pool-guardian.rules.test.yml")
    assert code == 0 and "SUCCESS" in out, out


def test_every_alert_is_tested_firing():
    with open(os.path.join(ALERTS, "pool-guardian.rules.yml")) as handle:
        names = [line.split(":")[1].strip() for line in handle if line.strip().startswith("- alert:")]
    with open(os.path.join(ALERTS, "pool-guardian.rules.test.yml")) as handle:
        tests = handle.read().split("alertname: ")[1:]
    fired = {t.split()[0] for t in tests if "exp_labels" in t.split("alertname")[0]}
    assert len(names) == 6 and set(names) == fired
