"""resize's edit of Docker's metadata file: atomic, every other field kept, the old file kept beside it."""
import json
import os

from guardian.tools import docker_state
from guardian.tools.resize import write_size
from tests.unit.tools.test_docker_state import C2_MOUNT, docker_tree


def test_write_size_changes_only_the_size_and_keeps_a_backup_docker_skips(tmp_path):
    root = docker_tree(tmp_path)
    path = os.path.join(docker_state.metadata_dir(root), C2_MOUNT)
    os.chmod(path, 0o600)
    with open(path) as handle:
        before = handle.read()
    backup = write_size(path, 536870912)
    with open(path) as handle:
        after = handle.read()
    assert after == before.replace('"size":335544320', '"size":536870912')      # order and format kept
    with open(backup) as handle:
        assert handle.read() == before
    assert os.path.dirname(backup) == os.path.dirname(path) and os.path.basename(backup).startswith(".")
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert [d.size_bytes for d in docker_state.thin_devices(root) if d.hash == C2_MOUNT] == [536870912]
    assert not [n for n in os.listdir(os.path.dirname(path)) if n.endswith("pool-guardian-tmp")]


def test_unknown_fields_docker_may_add_survive(tmp_path):
    path = tmp_path / "dev"
    path.write_text('{"device_id":7,"size":10,"future":{"a":1},"deleted":false}')
    write_size(str(path), 20)
    assert json.loads(path.read_text()) == {"device_id": 7, "size": 20, "future": {"a": 1}, "deleted": False}
