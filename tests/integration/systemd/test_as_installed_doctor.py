"""The doctor through pool-guardian.service (issue 31), as a CentOS 7 host runs it (el7.py): the
daemon examines the host at start and after `systemctl reload`; a FAIL reaches every channel
(`check`, STATUS, the journal, the metrics, the shipped alert rule) and a reload after the change
clears it. The FAIL is real: a data high mark of 95% over Docker's own 10% floor, read from
`docker info`; the el7 dockerd (deferred removal off, no dm.xfs_nospace_max_retries, loop-lvm)
gives the WARNs."""
import os

import pytest

from tests.integration.bedlib import SCRATCH, run, sh
from tests.integration.systemd import el7
from tests.integration.systemd.el7 import journal, show, wait_for
from tests.integration.systemd.test_as_installed_verdict import METRICS, check, fires, samples

NO_SPACE_TIMEOUT = "/sys/module/dm_thin_pool/parameters/no_space_timeout"
CONFIG = """\
mode: observe
watermarks:
  data: {{warning: {warning}%, high: {high}%, low: 70%, critical: 98%}}
schedule:
  poll_interval: 2s
"""


@pytest.fixture
def el7_docker():
    previous_python = el7.install()
    os.makedirs(os.path.dirname(METRICS), exist_ok=True)
    try:
        el7.start_docker()
        yield
    except AssertionError:
        print(run(["journalctl", "-u", el7.UNIT, "--no-pager", "-n", "60"], check=False).stdout)
        raise
    finally:
        el7.uninstall(previous_python)
        el7.stop_docker()
        sh("rm -f " + METRICS, check=False)


def configure(high):
    with open(el7.CONFIG, "w", encoding="utf-8") as f:
        f.write(CONFIG.format(warning=high - 5, high=high))


def findings(*matches):
    return {e["CHECK"]: e for e in journal("-u", el7.UNIT, "EVENT=doctor.finding", *matches)}


def test_a_setting_the_doctor_fails_reaches_every_channel_and_a_reload_after_the_change_clears_it(
        el7_docker, tmp_path):
    configure(high=95)
    sh("journalctl --rotate && journalctl --vacuum-time=1s", check=False)
    sh("systemctl start " + el7.UNIT, timeout=240)
    found = wait_for(lambda: "docker_floor" in findings() and findings(), 120, "the doctor's findings at start")
    assert found["docker_floor"]["STATUS"] == "FAIL" and found["docker_floor"]["PRIORITY"] == "3", found["docker_floor"]
    assert "Docker refuses at 90% used" in found["docker_floor"]["MESSAGE"]
    assert {c: found[c]["STATUS"] for c in ("deferred_removal", "xfs_nospace_max_retries", "loop_lvm")} == \
        {"deferred_removal": "WARN", "xfs_nospace_max_retries": "WARN", "loop_lvm": "WARN"}, found
    examined = journal("-u", el7.UNIT, "EVENT=doctor.examined")
    assert examined[0]["STATUS"] == "FAIL" and "start" in examined[0]["WOKEN_BY"].split(","), examined
    status = wait_for(lambda: "doctor: docker_floor FAIL" in show("StatusText") and show("StatusText"), 60, "STATUS")
    assert "WARNING: doctor: docker_floor FAIL" in status, status
    code, line = check()
    assert code == 1 and "doctor: docker_floor FAIL" in line, line
    raised = journal("-u", el7.UNIT, "EVENT=condition.raised", "CONDITION=risky_setting")
    assert [(e["SUBJECT"], e["SEVERITY"]) for e in raised] == [("docker_floor", "warning")], raised
    wait_for(lambda: samples().get('pool_guardian_condition{condition="risky_setting"}') == "1", 60, "the series")
    assert samples()['pool_guardian_doctor_check{check="docker_floor"}'] == "2"
    assert samples()['pool_guardian_doctor_check{check="loop_lvm"}'] == "1"
    ok, said = fires("PoolGuardianRiskySetting", str(tmp_path))
    assert ok, said
    told = run(["/usr/bin/pool-guardian", "doctor"], check=False, timeout=120)
    assert told.returncode == 2 and "FAIL    docker_floor: data high mark 95%" in told.stdout, told.stdout

    configure(high=85)
    sh("systemctl reload " + el7.UNIT, timeout=120)
    cleared = wait_for(lambda: journal("-u", el7.UNIT, "EVENT=condition.cleared", "CONDITION=risky_setting"), 120,
                       "the condition cleared after the reload")
    assert cleared[0]["SUBJECT"] == "docker_floor"
    woken = [e["WOKEN_BY"].split(",") for e in journal("-u", el7.UNIT, "EVENT=doctor.examined")]
    assert len(woken) == 2 and "reloaded" in woken[1], woken      # a poll may wake it at the same moment
    assert len(journal("-u", el7.UNIT, "EVENT=doctor.finding", "CHECK=docker_floor")) == 1     # at start only
    wait_for(lambda: samples().get('pool_guardian_condition{condition="risky_setting"}') == "0", 60, "the series at 0")
    code, line = check()
    assert code == 0 and "doctor" not in line, line


def test_what_the_host_got_wrong_is_each_a_finding_of_the_services_doctor(el7_docker):
    """One start in enforce mode (the orphan survey reserves a metadata snapshot) on a host where a
    thin device Docker does not know sits in its pool, dm_thin_pool queues writes for ever
    (no_space_timeout 0), and thin_check is not installed: each is a WARN in the journal and the
    metrics, none of them a condition of the verdict."""
    pool = el7.docker_pool()
    timeout = open(NO_SPACE_TIMEOUT).read().strip()
    sh("dmsetup message {} 0 'create_thin 4000'".format(pool))
    sh("echo 0 > {0} && mv /usr/sbin/thin_check /usr/sbin/thin_check.away".format(NO_SPACE_TIMEOUT))
    try:
        with open(el7.CONFIG, "w", encoding="utf-8") as f:
            f.write("mode: enforce\nschedule:\n  poll_interval: 2s\n")
        sh("journalctl --rotate && journalctl --vacuum-time=1s", check=False)
        sh("systemctl start " + el7.UNIT, timeout=240)
        checks = ("orphan_devices", "no_space_mode", "thin_check")
        found = wait_for(lambda: all(c in findings() for c in checks) and findings(), 120, "the three findings")
        assert {c: found[c]["STATUS"] for c in checks} == dict.fromkeys(checks, "WARN"), found
        assert ": 4000 (0 B)" in found["orphan_devices"]["MESSAGE"], found["orphan_devices"]["MESSAGE"]
        assert "no_space_timeout 0 s" in found["no_space_mode"]["MESSAGE"]
        assert "thin_check is not installed" in found["thin_check"]["MESSAGE"]
        got = wait_for(lambda: samples().get('pool_guardian_doctor_check{check="orphan_devices"}') and samples(), 60,
                       "the doctor's series")
        assert {c: got['pool_guardian_doctor_check{check="%s"}' % c] for c in checks} == dict.fromkeys(checks, "1")
        assert got['pool_guardian_condition{condition="risky_setting"}'] == "0"
    finally:
        sh("mv /usr/sbin/thin_check.away /usr/sbin/thin_check; echo {} > {}".format(timeout, NO_SPACE_TIMEOUT),
           check=False)
        sh("systemctl stop " + el7.UNIT, check=False, timeout=120)
        sh("dmsetup message {} 0 'delete 4000'".format(pool), check=False)


def test_loop_files_on_ext3_are_the_services_hole_punching_warning():
    """Docker's root on ext3, which cannot punch holes: fstrim frees the pool and the loop file
    keeps the space (moby#3182)."""
    previous_python = el7.install()
    image = os.path.join(SCRATCH, "el7-ext3.img")
    sh("truncate -s 3G {0} && mkfs.ext3 -q -F {0} && mkdir -p {1} && mount -o loop {0} {1}".format(
        image, el7.DOCKER_ROOT), timeout=300)
    os.makedirs(os.path.dirname(METRICS), exist_ok=True)
    try:
        el7.start_docker()
        configure(high=80)
        sh("journalctl --rotate && journalctl --vacuum-time=1s", check=False)
        sh("systemctl start " + el7.UNIT, timeout=240)
        found = wait_for(lambda: "hole_punching" in findings() and findings(), 120, "the hole_punching finding")
        assert found["hole_punching"]["STATUS"] == "WARN", found["hole_punching"]
        assert "loop files on ext3 ({})".format(el7.DOCKER_ROOT) in found["hole_punching"]["MESSAGE"]
        wait_for(lambda: samples().get('pool_guardian_doctor_check{check="hole_punching"}') == "1", 60, "the series")
    finally:
        el7.uninstall(previous_python)
        el7.stop_docker()
        sh("umount {0}; rm -f {1}; rmdir {0}; systemctl daemon-reload".format(el7.DOCKER_ROOT, image), check=False)
        sh("rm -f " + METRICS, check=False)
