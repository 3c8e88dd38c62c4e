"""Docker 20.10 on devicemapper in the guest, and pool-guardian's view of its pool."""
from tests.integration.bedlib import out
from tests.integration.bedlib.docker import IMAGE
from tests.integration.bedlib.pools import parse_pool_status


def test_docker_loop_lvm_uses_devicemapper_and_its_pool_exists(docker_loop_lvm):
    info = docker_loop_lvm.info()
    assert info["Driver"] == "devicemapper"
    status = docker_loop_lvm.driver_status()
    assert status["Data loop file"].endswith("/devicemapper/devicemapper/data")
    pool = status["Pool Name"]
    assert parse_pool_status(out("dmsetup status " + pool))["mode"] == "rw"
    assert docker_loop_lvm.docker("run", "--rm", IMAGE, "echo", "hello").stdout.strip() == "hello"


def test_status_json_agrees_with_dmsetup(docker_loop_lvm, guardian):
    docker_loop_lvm.fill(64)          # some used blocks, so the numbers are not all zero
    report = guardian.status_json()
    pool_name = docker_loop_lvm.pool_name
    assert report["docker"]["pool_name"] == pool_name
    pools = {p["name"]: p for p in report["pools"]}
    assert pool_name in pools, "status --json lists {} but not {}".format(sorted(pools), pool_name)
    mine = pools[pool_name]
    kernel = parse_pool_status(out("dmsetup status " + pool_name))
    for key in ("length_sectors", "transaction_id", "data_used_blocks", "data_total_blocks",
                "metadata_used_blocks", "metadata_total_blocks", "mode", "needs_check"):
        assert mine[key] == kernel[key], "{}: pool-guardian {} != dmsetup {}".format(key, mine[key], kernel[key])
    block_sectors = int(out("dmsetup table " + pool_name).split()[5])
    assert mine["data_block_bytes"] == block_sectors * 512
    assert abs(mine["data_used_percent"] - 100.0 * kernel["data_used_blocks"] / kernel["data_total_blocks"]) < 0.1
    assert abs(mine["metadata_used_percent"]
               - 100.0 * kernel["metadata_used_blocks"] / kernel["metadata_total_blocks"]) < 0.1


def test_docker_direct_lvm_starts_and_runs_a_container(docker_direct_lvm):
    status = docker_direct_lvm.driver_status()
    assert status["Pool Name"] == docker_direct_lvm.lvm.dm_name
    assert "Data loop file" not in status
    assert docker_direct_lvm.docker("run", "--rm", IMAGE, "echo", "direct").stdout.strip() == "direct"
    assert "thin" in out("lvs --noheadings -o segtype {}/thinpool".format(docker_direct_lvm.lvm.vg))
