"""pool-guardian.service under a real systemd (PID 1), journald and sd_notify."""
import json
import os
import signal
import time

import pytest

from tests.integration.bedlib import REPO, out, sh
from tests.integration.bedlib.guardian import BARE_POOL_CONFIG
from tests.integration.bedlib.pools import wait_until

UNIT = "/run/systemd/system/pool-guardian.service"
DROPIN = "/run/systemd/system/pool-guardian.service.d"
CONFIG = "mode: observe\n" + BARE_POOL_CONFIG + """\
schedule:
  poll_interval: 2s
"""


def journal(*filters):
    sh("journalctl --sync")
    lines = out("journalctl -o json -u pool-guardian.service " + " ".join(filters), check=False)
    return [json.loads(line) for line in lines.splitlines() if line.strip()]


def show(prop):
    return out("systemctl show -p {} --value pool-guardian.service".format(prop))


@pytest.fixture
def service(make_thin_pool, tmp_path):
    """The project's unit file, pointed at the checkout's .venv and a config for a bare pool."""
    pool = make_thin_pool(data_size=128 << 20)
    config = str(tmp_path / "config.yaml")
    with open(config, "w") as f:
        f.write(CONFIG.format(pool=pool.name))
    with open(os.path.join(REPO, "systemd", "pool-guardian.service")) as f:
        unit = f.read().replace("/usr/bin/pool-guardian ", "{} --config {} ".format(   # ExecStart and ExecReload
            os.path.join(REPO, ".venv", "bin", "pool-guardian"), config))
    with open(UNIT, "w") as f:
        f.write(unit)
    os.makedirs(DROPIN, exist_ok=True)
    sh("journalctl --rotate && journalctl --vacuum-time=1s", check=False)
    sh("systemctl daemon-reload")
    yield pool, config
    sh("systemctl stop pool-guardian.service", check=False)
    sh("systemctl reset-failed pool-guardian.service", check=False)
    sh("rm -rf {} {} && systemctl daemon-reload".format(UNIT, DROPIN))


def start():
    sh("systemctl start pool-guardian.service", timeout=120)   # returns once READY=1 arrived


def test_the_service_reaches_ready_and_shows_its_status(service):
    pool, config = service
    start()
    assert show("ActiveState") == "active"
    status = show("StatusText")
    assert status.startswith(pool.name + " data ") and "metadata" in status, status
    assert "Status: \"{}".format(pool.name) in out("systemctl status --no-pager pool-guardian.service",
                                                   check=False)
    planned = out("{} --config {} plan".format(os.path.join(REPO, ".venv", "bin", "pool-guardian"), config))
    assert "memory: the running daemon's (pid {}, ".format(show("MainPID")) in planned


def test_journal_entries_carry_message_ids_and_queryable_fields(service):
    pool, _ = service
    start()
    entries = journal("POOL=" + pool.name, "EVENT=pool.level_changed")
    assert entries, "no pool.level_changed entry for POOL={}".format(pool.name)
    entry = entries[0]
    assert entry["MESSAGE_ID"] == "ed001f52684f45c59ad1de1d70305a31"
    assert entry["SYSLOG_IDENTIFIER"] == "pool-guardian" and entry["PRIORITY"] == "6"
    assert entry["POOL_LEVEL"] == "ok" and float(entry["DATA_PERCENT"]) >= 0
    ready = journal("MESSAGE_ID=63255101996d486aae83f4959804cf61")
    assert len(ready) == 1


def test_sighup_with_a_broken_config_keeps_the_old_one(service):
    """A bare SIGHUP skips ExecReload's check-config (test_as_installed proves that one): the daemon
    checks the file again itself."""
    _, config = service
    start()
    pid = show("MainPID")
    with open(config, "a") as f:
        f.write("watermarks:\n  data:\n    low: 95%\n")
    sh("systemctl kill --kill-who=main --signal=HUP pool-guardian.service", timeout=60)
    assert wait_until(lambda: journal("EVENT=config.invalid"), timeout=30)
    entry = journal("EVENT=config.invalid")[0]
    assert "watermarks.data.low: 95% must be below high (80%)" in entry["MESSAGE"]
    assert entry["PRIORITY"] == "3"
    time.sleep(3)
    assert show("ActiveState") == "active" and show("MainPID") == pid


def test_a_hung_main_loop_is_killed_by_the_watchdog_and_restarted(service):
    with open(os.path.join(DROPIN, "watchdog.conf"), "w") as f:
        f.write("[Service]\nWatchdogSec=6\n")
    sh("systemctl daemon-reload")
    start()
    pid = int(show("MainPID"))
    os.kill(pid, signal.SIGSTOP)              # the main loop stops feeding WATCHDOG=1
    restarted = wait_until(lambda: show("MainPID") not in ("0", str(pid)) and show("ActiveState") == "active",
                           timeout=60, interval=0.5)
    assert restarted, out("systemctl status --no-pager pool-guardian.service", check=False)
    assert int(show("NRestarts")) >= 1
    assert "watchdog timeout" in out("journalctl -u pool-guardian.service --no-pager", check=False).lower()


def test_a_broken_config_at_start_fails_with_its_reason_and_is_not_restarted(service):
    _, config = service
    with open(config, "w") as f:
        f.write("mode: enforcee\n")
    assert sh("systemctl start pool-guardian.service", check=False, timeout=60).returncode != 0
    assert show("ExecMainStatus") == "78"
    time.sleep(7)                              # longer than RestartSec=5
    assert show("NRestarts") == "0" and show("ActiveState") == "failed"
    status = out("systemctl status --no-pager -l pool-guardian.service", check=False)
    assert "mode: expected one of observe, dry-run, enforce, got 'enforcee'" in status

