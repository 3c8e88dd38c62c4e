"""The daemon runs the doctor at start, after a reload and daily, never at each look; every finding
that did not pass is a journal entry, each check a metrics series, and each FAIL the verdict's
risky_setting condition (check, STATUS, the alert). A doctor that crashes leaves the watch running."""
import json

from guardian.daemon import engine as engine_module
from guardian.decide.doctor import FAIL, PASS, SKIP, UNKNOWN, WARN, Finding
from guardian.report.state import DaemonState, published_doctor
from tests.unit.daemon.test_engine_wiring import Looks, wired

FINDINGS = (
    Finding("docker_floor", FAIL, "data high mark 95%, Docker's floor 10% free (docker info): Docker refuses at 90% used",
            "Docker refuses pulls and new containers before the ladder starts",
            "set watermarks.data.high below 90% (with low and warning below it)"),
    Finding("loop_lvm", WARN, "the pool's data device is a loop device", "loop-lvm is slow",
            "move Docker to a direct-lvm thin pool (dm.thinpooldev)"),
    Finding("may_detach_mounts", SKIP, "fs.may_detach_mounts does not exist on this kernel"),
    Finding("udev_sync", PASS, "Udev Sync Supported: true (docker info)"),
)


def doctored(settings, monkeypatch, findings=FINDINGS):
    runs = []
    monkeypatch.setattr(engine_module, "live_facts", lambda snapshot, config, host, daemon: "facts")
    monkeypatch.setattr(engine_module, "examine", lambda facts: runs.append(facts) or findings)
    return wired(settings, Looks(50.0), "mode: enforce\n", [], monkeypatch), runs


def test_the_doctor_runs_at_start_after_a_reload_and_daily_not_at_each_look(settings, monkeypatch):
    engine, runs = doctored(settings, monkeypatch)
    for reasons, expected in (({"start"}, 1), ({"poll"}, 1), ({"dm-event", "docker-refresh"}, 1),
                              ({"doctor", "docker-refresh"}, 2), ({"reloaded"}, 3)):
        engine.evaluate(reasons)
        assert len(runs) == expected, reasons


def test_each_finding_is_told_each_check_is_a_series_and_a_fail_is_in_the_verdict(settings, monkeypatch):
    engine, _ = doctored(settings, monkeypatch)
    engine.evaluate({"start"})
    journal = engine.log
    assert [e["message"] for e in journal.events("doctor.examined")] == ["doctor: FAIL (1 FAIL, 1 WARN, 1 PASS, 1 SKIP)"]
    told = {e["check"]: (e["level"], e["status"]) for e in journal.events("doctor.finding")}
    assert told == {"docker_floor": ("error", FAIL), "loop_lvm": ("warning", WARN)}
    assert engine.last_verdict.holds("risky_setting")
    raised = [e for e in journal.events("condition.raised") if e["condition"] == "risky_setting"]
    assert [(e["subject"], e["severity"]) for e in raised] == [("docker_floor", "warning")]
    assert raised[0]["message"].startswith("doctor: docker_floor FAIL: data high mark 95%")
    families = {f.name: f for f in engine.metrics.families()}
    assert dict((labels["check"], value) for labels, value in families["pool_guardian_doctor_check"].samples) == \
        {"docker_floor": 2, "loop_lvm": 1, "may_detach_mounts": 0, "udev_sync": 0}
    assert "WARNING: doctor: docker_floor FAIL" in engine.status_line()


def test_a_doctor_that_crashes_is_one_unknown_finding_and_the_pool_is_still_judged(settings, monkeypatch):
    engine, _ = doctored(settings, monkeypatch)

    def crash(facts):
        raise KeyError("lvm")
    monkeypatch.setattr(engine_module, "examine", crash)
    engine.evaluate({"start"})
    assert [e["message"] for e in engine.log.events("doctor.failed")] == ["KeyError: 'lvm'"]
    assert [(f.check, f.status) for f in engine.examined] == [("doctor", UNKNOWN)]
    assert engine.last_verdict is not None and not engine.last_verdict.holds("risky_setting")


def test_the_findings_are_published_for_check_and_read_back_whole(tmp_path):
    path = str(tmp_path / "doctor.json")
    state = DaemonState(None, str(tmp_path / "memory.json"), str(tmp_path / "fill.json"), clock=lambda: 1234.0,
                        doctor_path=path)
    state.write_doctor(FINDINGS)
    assert json.load(open(path))["examined_at"] == 1234.0
    assert published_doctor(path) == FINDINGS
    assert published_doctor(str(tmp_path / "none.json")) == ()
