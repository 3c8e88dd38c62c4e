"""The status JSON of a loop-lvm pool carries its backing filesystem and sparse files; status
prints the one verdict first."""
import json

import pytest

from guardian.cli import main
from guardian.config import load_config_text
from guardian.decide.thresholds import from_marks
from guardian.decide.verdict import judge
from guardian.observe import observer
from guardian.observe.snapshot import BackingFilesystem, SparseFile, compose_snapshot
from guardian.report.render import render_status, snapshot_json
from tests.unit.conftest import pool_snapshot


def loop_lvm_snapshot():
    snapshot = pool_snapshot(50.0)
    data = SparseFile("/var/lib/docker/devicemapper/devicemapper/data", 100 << 30, 5 << 30)
    backing = BackingFilesystem("/var/lib/docker/devicemapper/devicemapper", 40 << 30, 2 << 30, data, None)
    pool = snapshot.pool._replace(kind="loop-lvm", backing=backing)
    return snapshot._replace(pools=(pool,))


def test_json_has_the_backing_filesystem_and_the_effective_free_space():
    result = json.loads(snapshot_json(loop_lvm_snapshot(), load_config_text("").watermarks))
    pool = result["pools"][0]
    assert pool["backing"]["data_file"] == {"path": "/var/lib/docker/devicemapper/devicemapper/data",
                                            "apparent_bytes": 100 << 30, "allocated_bytes": 5 << 30}
    assert pool["backing"]["metadata_file"] is None
    assert pool["effective_free_bytes"] == 2 << 30
    assert pool["level"]["data"] == "critical"


def test_text_says_when_the_filesystem_underneath_is_the_limit():
    text = render_status(loop_lvm_snapshot(), load_config_text("").watermarks)
    assert "LIMIT    only 2 GiB can really be written" in text


def floor_snapshot():
    """96% used of 100 GiB: free data under Docker's 10% floor."""
    return pool_snapshot(96.0)


def test_status_text_starts_with_the_verdict_and_a_line_per_finding():
    settings = load_config_text("")
    verdict = judge(floor_snapshot(), from_marks(settings.watermarks))
    lines = render_status(floor_snapshot(), settings.watermarks, verdict=verdict).splitlines()
    assert lines[:3] == [
        "verdict: CRITICAL",
        "  below_docker_floor: data free 4096 MiB is below Docker's floor of 10240 MiB: Docker refuses pulls "
        "and new containers",
        "  data_usage: data 96.0% (the critical threshold is 85)"]


def test_status_json_has_the_verdict_with_every_finding():
    settings = load_config_text("")
    verdict = judge(floor_snapshot(), from_marks(settings.watermarks))
    result = json.loads(snapshot_json(floor_snapshot(), settings.watermarks, verdict=verdict))["verdict"]
    assert (result["severity"], result["exit_code"]) == ("critical", 2)
    assert result["findings"][0] == {"condition": "below_docker_floor", "severity": "critical", "subject": "data",
                                     "text": verdict.findings[0].text}


@pytest.mark.parametrize("snapshot, code", [(floor_snapshot(), 0),
                                            (compose_snapshot(None, [], None, problems=("kernel: no",)), 1)])
def test_status_prints_the_verdict_and_keeps_its_own_exit_code(monkeypatch, capsys, snapshot, code):
    monkeypatch.setattr(observer, "observe", lambda *args, **kwargs: snapshot)
    assert main(["status"]) == code
    out = capsys.readouterr().out
    assert out.startswith("verdict: CRITICAL\n" if code == 0 else "verdict: UNKNOWN\n")
