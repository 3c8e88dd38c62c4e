"""The status JSON of a loop-lvm pool carries its backing filesystem and sparse files."""
import json

from guardian.config import load_config_text
from guardian.observe.snapshot import BackingFilesystem, SparseFile
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
