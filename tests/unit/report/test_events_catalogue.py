"""Every event the code logs has a MESSAGE_ID, and the journald catalog built from them compiles."""
import ast
import os
import shutil
import subprocess

import pytest

from guardian.report.catalogue import render_journald_catalog
from guardian.report.events import CATALOGUE

GUARDIAN = os.path.join(os.path.dirname(__file__), "..", "..", "..", "guardian")
LOG_METHODS = {"debug", "info", "warning", "error", "critical", "exception", "log", "audit"}


def logged_events():
    """(file, event) for every log call whose first argument is a dotted event name literal."""
    found = []
    for folder, _, files in os.walk(GUARDIAN):
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as f:
                tree = ast.parse(f.read())
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Str) and \
                        _method(node.func) in LOG_METHODS and "." in node.args[0].s and " " not in node.args[0].s:
                    found.append((os.path.relpath(path, GUARDIAN), node.args[0].s))
    return found


def _method(func):
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def test_the_scan_finds_the_events_the_daemon_logs():
    names = {event for _, event in logged_events()}
    assert {"daemon.ready", "action.finished", "command.ran", "tool.changed"} <= names


def test_every_logged_event_has_a_message_id():
    missing = sorted({"{} ({})".format(event, path) for path, event in logged_events() if event not in CATALOGUE})
    assert not missing, "add to guardian/report/events.py: " + ", ".join(missing)


def test_message_ids_are_unique_128_bit_hex():
    ids = [kind.message_id for kind in CATALOGUE.values()]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


@pytest.mark.skipif(shutil.which("journalctl") is None, reason="needs systemd's journalctl")
def test_journalctl_compiles_the_catalog_and_explains_each_event(tmp_path):
    catalog = tmp_path / "usr" / "lib" / "systemd" / "catalog"
    catalog.mkdir(parents=True)
    (catalog / "pool-guardian.catalog").write_text(render_journald_catalog())
    subprocess.check_call(["journalctl", "--root", str(tmp_path), "--update-catalog"])
    listed = subprocess.check_output(["journalctl", "--root", str(tmp_path), "--list-catalog"]).decode()
    for kind in CATALOGUE.values():
        assert "{} pool-guardian: {}".format(kind.message_id, kind.summary) in listed
