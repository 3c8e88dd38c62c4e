"""Docker's files as the tools read them when dockerd is down, laid out as Docker 20.10 wrote them
in the test bed (ids, hashes and device ids from that run)."""
import json
import os

import pytest

from guardian.errors import GuardianError
from guardian.tools import docker_state

C1 = "7778da4532e9e9d1c3b8fe99b69c97b981fcdded9d3aa5b725a8762d584ead26"
C2 = "b0e921c03c32935b94fbda0fe23d3b5560c5e344156f2318191156a8f82d362d"
C1_MOUNT = "bae1b2d165d9285a432307b7d14d2281aa18cbca44da76dea320e03a1f2ca7b9"
C2_MOUNT = "37bc74e62d15a9107c7987c45c8fdb3fe4da2a1276ea170908cb51e6589ff9d8"
LAYER = "b983ff3b62396fe3d2144ed0d08417eea6eadca70a33a94549a463593e015bd6"
IMAGE = "81f2444f89c1196456877f8dd47221eaa44c21a22d249efd5c98759ce5dc4755"
DIFF_ID = "sha256:4db47dddd4860c633e5b6997df965a078a1ca84d89b9ce0f6d556e15bc1ddae6"
SIZE = 335544320


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)


def device_json(device_id, deleted=False):
    return json.dumps({"device_id": device_id, "size": SIZE, "transaction_id": device_id, "initialized": False,
                       "deleted": deleted}, separators=(",", ":"))


def docker_tree(tmp_path):
    root = str(tmp_path / "docker")
    for cid, name, running, mount in ((C1, "c1", True, C1_MOUNT), (C2, "c2", False, C2_MOUNT)):
        write(os.path.join(root, "containers", cid, "config.v2.json"), json.dumps(
            {"ID": cid, "Name": "/" + name, "State": {"Running": running, "Pid": 474 if running else 0}}))
        write(os.path.join(root, docker_state.LAYERDB, "mounts", cid, "mount-id"), mount)
    meta = os.path.join(root, "devicemapper", "metadata")
    for name, device_id in (("base", 1), (LAYER, 2), (C1_MOUNT + "-init", 3), (C1_MOUNT, 4),
                            (C2_MOUNT + "-init", 5), (C2_MOUNT, 6)):
        write(os.path.join(meta, name), device_json(device_id))
    write(os.path.join(meta, "deviceset-metadata"), '{"next_device_id":6,"BaseDeviceUUID":"","BaseDeviceFilesystem":"xfs"}')
    write(os.path.join(meta, "transaction-metadata"), '{"open_transaction_id":6,"device_hash":"","device_id":6}')
    write(os.path.join(meta, ".tmp123456"), "{")      # Docker's own half-written temp file
    image_dir = os.path.join(root, "image", "devicemapper")
    write(os.path.join(image_dir, "repositories.json"),
          json.dumps({"Repositories": {"busybox": {"busybox:bed": "sha256:" + IMAGE}}}))
    write(os.path.join(image_dir, "imagedb", "content", "sha256", IMAGE),
          json.dumps({"rootfs": {"type": "layers", "diff_ids": [DIFF_ID]}}))
    write(os.path.join(root, docker_state.LAYERDB, "sha256", DIFF_ID.split(":")[1], "cache-id"), LAYER)
    return root


def test_docker_root_from_flag_then_daemon_json_then_default(tmp_path):
    config = tmp_path / "daemon.json"
    assert docker_state.docker_root("/srv/docker", str(config)) == "/srv/docker"
    assert docker_state.docker_root(None, str(config)) == "/var/lib/docker"
    config.write_text('{"data-root": "/data/docker"}')
    assert docker_state.docker_root(None, str(config)) == "/data/docker"
    config.write_text('{"graph": "/old/docker"}')
    assert docker_state.docker_root(None, str(config)) == "/old/docker"


def test_unreadable_daemon_json_is_a_one_line_error_naming_it(tmp_path):
    config = tmp_path / "daemon.json"
    config.write_text('{"data-root": ')
    with pytest.raises(GuardianError) as error:
        docker_state.docker_root(None, str(config))
    assert str(config) in str(error.value) and "--docker-root" in str(error.value)


def test_containers_from_config_v2_and_layerdb(tmp_path):
    records = docker_state.list_containers(docker_tree(tmp_path))
    assert [(r.name, r.running, r.pid, r.mount_id) for r in records] == [
        ("c1", True, 474, C1_MOUNT), ("c2", False, 0, C2_MOUNT)]


@pytest.mark.parametrize("query, name", [("c2", "c2"), ("/c2", "c2"), (C1, "c1"), ("b0e9", "c2")])
def test_find_container_by_name_id_or_unique_prefix(tmp_path, query, name):
    assert docker_state.find_container(docker_state.list_containers(docker_tree(tmp_path)), query).name == name


@pytest.mark.parametrize("query, message", [("nope", "no container 'nope'"), ("", "ambiguous")])
def test_find_container_refuses_unknown_and_ambiguous(tmp_path, query, message):
    with pytest.raises(GuardianError) as error:
        docker_state.find_container(docker_state.list_containers(docker_tree(tmp_path)), query)
    assert message in str(error.value)


def test_thin_devices_skip_dot_files_as_docker_does(tmp_path):
    root = docker_tree(tmp_path)
    write(os.path.join(docker_state.metadata_dir(root), "." + C2_MOUNT + ".pool-guardian-backup-20261124T020000"),
          device_json(6))
    assert sorted(d.device_id for d in docker_state.thin_devices(root)) == [1, 2, 3, 4, 5, 6]


def test_missing_metadata_file_names_it(tmp_path):
    root = docker_tree(tmp_path)
    with pytest.raises(GuardianError) as error:
        docker_state.thin_device(root, "f" * 64)
    assert os.path.join(docker_state.metadata_dir(root), "f" * 64) in str(error.value)


def test_image_layers_follow_chain_ids_to_cache_ids(tmp_path):
    assert docker_state.image_layers(docker_tree(tmp_path)) == {LAYER: "busybox:bed layer 1/1"}


def test_chain_ids_of_a_second_layer_hash_parent_and_diff():
    import hashlib
    chains = docker_state.chain_ids(["sha256:aa", "sha256:bb"])
    assert chains == ["sha256:aa", "sha256:" + hashlib.sha256(b"sha256:aa sha256:bb").hexdigest()]
