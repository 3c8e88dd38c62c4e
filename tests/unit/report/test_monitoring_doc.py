"""docs/monitoring.md shows what the code does: each of its examples is run or compared here.

The NRPE command and sudo rule it shows are the shipped files the guest test runs
(tests/integration/test_monitoring.py); the promtool commands run as written.
"""
import os
import re
import subprocess

from guardian.cli import build_parser
from guardian.config import load_config_text
from guardian.decide.forecast import Forecast
from guardian.decide.verdict import CONDITIONS
from guardian.commands import check
from guardian.report import metrics, nagios
from guardian.report.events import CATALOGUE
from tests.unit.report.test_alert_rules import rules
from tests.unit.conftest import pool_snapshot

DOCS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs")


def doc():
    with open(os.path.join(DOCS, "monitoring.md")) as handle:
        return handle.read()


def blocks(kind):
    return re.findall(r"^```{}\n(.*?)^```$".format(kind), doc(), re.M | re.S)


def shipped(*path):
    with open(os.path.join(DOCS, *path)) as handle:
        return [line for line in handle.read().splitlines() if line and not line.startswith("#")]


def test_the_config_example_is_the_default_and_loads():
    (yaml,) = blocks("yaml")
    assert load_config_text(yaml) == load_config_text("")


def test_the_check_example_is_what_check_prints():
    (console,) = blocks("console")
    command, line = console.strip().splitlines()
    args = build_parser().parse_args(command.split()[2:])
    outlook = Forecast(900.0, 900.0, 12 << 20, 1000.0, 3 * 3600.0, None, 2 * 3600.0)
    marks = check.thresholds(load_config_text("").watermarks, args)
    assert nagios.check_pool(pool_snapshot(62.0, 4.0), marks, outlook).line == line


def test_the_nrpe_command_and_sudo_rule_are_the_shipped_files():
    plain = blocks("text")
    assert plain[0].strip().splitlines() == shipped("nrpe", "pool-guardian.cfg")
    assert plain[1].strip().splitlines() == shipped("nrpe", "sudoers")
    assert "/usr/bin/pool-guardian check" in shipped("nrpe", "pool-guardian.cfg")[0]


def test_the_shell_examples_run():
    for block in blocks("sh"):
        for command in block.strip().splitlines():
            folder = "alerts" if command.startswith("promtool") else "nrpe"
            if command.startswith("visudo"):
                command = command.split(" && ")[0]       # installing the rule is the guest test's job
            proc = subprocess.run(command, shell=True, cwd=os.path.join(DOCS, folder), stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
            assert proc.returncode == 0, (command, proc.stdout)


def test_the_metric_tables_list_every_family_the_daemon_writes():
    documented = set(re.findall(r"`(pool_guardian_[a-z_]+)", doc()))
    with open(metrics.__file__) as handle:
        written = {"pool_guardian_" + name for name in re.findall(r'P \+ "([a-z_]+)"', handle.read())}
    assert written and documented == written


def condition_rows():
    """The table of "Conditions and their channels": {condition: {column heading: cell}}."""
    section = doc().split("## Conditions and their channels\n")[1].split("\n## ")[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    split = lambda line: [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
    heads = split(lines[0])
    return heads, {split(line)[0].strip("`"): dict(zip(heads, split(line))) for line in lines[2:]}


def test_every_condition_has_its_row_with_what_it_means_and_what_to_do():
    heads, rows = condition_rows()
    assert list(rows) == [c.name for c in CONDITIONS]
    for c in CONDITIONS:
        assert "{} **Do:** {}".format(c.meaning, c.todo) == rows[c.name]["meaning; what to do"], c.name
    raised = CATALOGUE["condition.raised"].message_id
    assert any(raised in head for head in heads)
    for name, row in rows.items():
        journal = next(cell for head, cell in row.items() if head.startswith("journal"))
        assert "`CONDITION={}`".format(name) in journal or journal == "none (check only)", name


def test_every_condition_alerts_unless_check_only_and_every_alert_has_its_condition():
    """The alerts a row names exist, and each reads a series the row names; every rule is in the table."""
    _, rows = condition_rows()
    shipped = {rule["alert"]: rule["expr"] for rule in rules()}
    named = set()
    for name, row in rows.items():
        if row["alert"] == "none (check only)":
            continue
        alerts = re.findall(r"`([A-Za-z]+)`", row["alert"])
        series = set(re.findall(r"`(pool_guardian_[a-z_]+)", row["metric"]))
        assert alerts, name
        for alert in alerts:
            expr = shipped[alert]
            assert any(s in expr for s in series), (name, alert)
            if "pool_guardian_condition" in expr:
                assert name in expr, (name, alert)
        named.update(alerts)
    assert named == set(shipped)
