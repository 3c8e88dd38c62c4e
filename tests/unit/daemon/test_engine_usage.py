"""The daemon reads who uses the pool at start, after a reload and on its schedule, never at each
look; the metrics get the top consumers; why it did not read is told once; a read that crashes
leaves the watch running. (The read itself runs on the real kernel: tests/integration/test_tools_top.py
and, through the unit, tests/integration/systemd/test_as_installed.py.)"""
from guardian.decide.consumers import usage
from tests.unit.daemon.test_engine_wiring import Looks, wired
from tests.unit.decide.test_consumers import bed_rows


def test_usage_is_read_at_start_after_a_reload_and_on_its_schedule_not_at_each_look(settings, monkeypatch, tmp_path):
    engine = wired(settings, Looks(50.0), "mode: enforce\n", [], monkeypatch)
    reads = []
    monkeypatch.setattr(engine.usage, "read", lambda snapshot: reads.append(snapshot) or (usage(bed_rows(tmp_path), 10), 0.5))
    for reasons, expected in (({"start"}, 1), ({"poll"}, 1), ({"dm-event", "doctor"}, 1), ({"usage"}, 2),
                              ({"reloaded"}, 3)):
        engine.evaluate(reasons)
        assert len(reads) == expected, reasons
    families = {f.name: f for f in engine.metrics.families()}
    named = [(labels["kind"], labels["name"]) for labels, _ in families["pool_guardian_consumer_exclusive_bytes"].samples]
    assert named == [("container", "c1"), ("container", "c2"), ("image_layer", "busybox:bed layer 1/1")]
    assert families["pool_guardian_usage_read_duration_seconds"].samples[0][1] == 0.5


def test_why_usage_is_not_read_is_told_once_until_the_reason_changes(settings, monkeypatch):
    engine = wired(settings, Looks(50.0), "mode: observe\n", [], monkeypatch)
    for reasons in ({"start"}, {"usage"}, {"usage"}, {"reloaded"}):
        engine.evaluate(reasons)
    told = engine.log.events("usage.not_read")
    assert [(e["level"], e["reason"].split(" (")[0]) for e in told] == [("info", "the daemon in observe mode")]
    assert "pool_guardian_consumer_exclusive_bytes" not in {f.name for f in engine.metrics.families()}


def test_a_read_that_crashes_is_told_and_the_pool_is_still_judged(settings, monkeypatch):
    engine = wired(settings, Looks(50.0), "mode: enforce\n", [], monkeypatch)

    def crash(snapshot):
        raise KeyError("thin_ls")
    monkeypatch.setattr(engine.usage, "read", crash)
    engine.evaluate({"start"})
    (told,) = engine.log.events("usage.not_read")
    assert told["level"] == "exception" and told["reason"] == "KeyError: 'thin_ls'"
    assert engine.last_verdict is not None
