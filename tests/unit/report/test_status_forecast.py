"""`status` and `status --json` show the forecast from the samples the daemon publishes."""
import json

from guardian.config import load_config_text
from guardian.report.render import render_status, snapshot_json
from guardian.report.state import DaemonState, published_forecast
from tests.unit.conftest import pool_snapshot
from tests.unit.daemon.test_reporter import Journal


def published(tmp_path, percents, step=60.0):
    """The daemon's fill.json after it saw the pool at these usages, one look a `step` apart."""
    path = str(tmp_path / "fill.json")
    state = DaemonState(Journal(), None, path)
    state.configure(load_config_text(""))
    for i, percent in enumerate(percents):
        state.looked(pool_snapshot(percent)._replace(taken_at=step * i))
        state.write_history()
    return path


def test_status_says_when_the_pool_will_be_full(tmp_path):
    settings = load_config_text("")
    path = published(tmp_path, [50.0, 51.0, 52.0, 53.0])
    now = pool_snapshot(54.0)._replace(taken_at=240.0)
    outlook, note = published_forecast(now, settings, path)
    assert note is None
    text = render_status(now, settings.watermarks, outlook, note)
    # 1% of 100 GiB a minute: 46 GiB left is 46 minutes; the samples span 4 of the window's 15 min
    assert "  forecast full in ~46 min at 17.1 MiB/s (last 4 min)" in text.splitlines()
    data = json.loads(snapshot_json(now, settings.watermarks, outlook, note))["forecast"]
    assert round(data["data_full_seconds"]) == 46 * 60 and data["window_seconds"] == 900.0
    assert data["note"] is None


def test_without_a_daemon_status_says_why_there_is_no_forecast(tmp_path):
    settings = load_config_text("")
    now = pool_snapshot(54.0)
    outlook, note = published_forecast(now, settings, str(tmp_path / "absent.json"))
    text = render_status(now, settings.watermarks, outlook, note)
    assert "  forecast no forecast (no recent samples from the daemon in {})".format(
        tmp_path / "absent.json") in text.splitlines()
    data = json.loads(snapshot_json(now, settings.watermarks, outlook, note))["forecast"]
    assert data["data_full_seconds"] is None and data["note"].startswith("no recent samples")


def test_a_flat_pool_is_not_filling(tmp_path):
    settings = load_config_text("")
    path = published(tmp_path, [50.0] * 4)
    now = pool_snapshot(50.0)._replace(taken_at=240.0)
    assert "  forecast not filling (last 4 min)" in render_status(
        now, settings.watermarks, *published_forecast(now, settings, path)).splitlines()
