"""The systemd guest (PID 1 = the host's systemd 252): sd_notify, systemctl and journald for real."""
import json
import os
import uuid

import pytest

from tests.integration.bedlib import out, sh

UNIT_DIR = "/run/systemd/system"


@pytest.fixture
def transient_unit():
    """Write a unit under /run/systemd/system; stopped and removed afterwards."""
    written = []

    def write(name, text):
        with open(os.path.join(UNIT_DIR, name), "w") as f:
            f.write(text)
        written.append(name)
        sh("systemctl daemon-reload")
        return name
    yield write
    for name in written:
        sh("systemctl stop " + name, check=False)
        os.unlink(os.path.join(UNIT_DIR, name))
    sh("systemctl daemon-reload")


def test_pid1_is_systemd():
    with open("/proc/1/comm") as f:
        assert f.read().strip() == "systemd", "this boot has no systemd as PID 1: run via make bed-test"


def test_type_notify_unit_becomes_active_with_systemd_notify(transient_unit):
    name = transient_unit("bed-notify.service", "\n".join([
        "[Service]", "Type=notify", "NotifyAccess=all",
        "ExecStart=/bin/sh -c 'sleep 1; systemd-notify --ready --status=bed-ready; exec sleep 600'",
        "TimeoutStartSec=30", ""]))
    sh("systemctl start " + name, timeout=60)   # returns only once READY=1 arrived
    assert out("systemctl is-active " + name) == "active"
    assert out("systemctl show -p StatusText --value " + name) == "bed-ready"


def test_journal_has_an_entry_with_a_custom_field():
    tag = uuid.uuid4().hex
    sh("logger --journald <<EOF\nMESSAGE=bed journal check\nSYSLOG_IDENTIFIER=bed-test\nBED_TAG={}\nEOF".format(tag))
    sh("journalctl --sync")
    lines = out("journalctl -o json BED_TAG={}".format(tag)).splitlines()
    entries = [json.loads(l) for l in lines]
    assert len(entries) == 1, lines
    assert entries[0]["MESSAGE"] == "bed journal check"
    assert entries[0]["BED_TAG"] == tag
    assert entries[0]["_TRANSPORT"] == "journal"
