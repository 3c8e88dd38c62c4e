"""Space Docker has lost track of (issue 31 section 4), on a real direct-lvm pool and Docker 20.10:
thin devices made behind Docker's back with `dmsetup message POOL 0 "create_thin N"` and written to
are found by `doctor` with their mapped size, listed by `doctor --reclaim` (which changes nothing)
and deleted by `doctor --reclaim --yes`; every device Docker knows survives, including the ones of
containers created while the reclaim runs (two of the orphans sit on the ids Docker allocates
next, so Docker runs into them meanwhile). What the pool holds is read here with thin_dump, and what
Docker knows from its own files and `docker inspect`, not through pool-guardian's code. Last, with
Docker's deferred deletion on, a removed container's device that another mount namespace still
holds is named by `doctor` with its holder."""
import json
import os
import re
import subprocess
import threading

import pytest

from tests.integration.test_tools_busy import mount_point, wait_for_mount
from tests.integration.tools_helpers import DAEMON_JSON, IMAGE, docker_bed, run

MIB = 1 << 20


@pytest.fixture(scope="module")
def bed():
    with docker_bed() as bed:
        bed.docker("run", "--name", "keeper", "--network", "none", IMAGE, "sh", "-c",
                   "echo kept > /kept && dd if=/dev/urandom of=/data bs=1M count=3 && sync")
        yield bed


def pool_ids(pool):
    """{device id: mapped blocks} of every thin device in the pool (thin_dump of a metadata snapshot)."""
    xml = on_metadata_snapshot(pool, "thin_dump", "--metadata-snap")
    return {int(i): int(m) for i, m in re.findall(r'<device dev_id="(\d+)" mapped_blocks="(\d+)"', xml)}


def on_metadata_snapshot(pool, *argv):
    """A thin-provisioning tool's output on the pool's metadata, a snapshot reserved and released here."""
    metadata = run("dmsetup", "table", pool).stdout.split()[3]
    name = open("/sys/dev/block/{}/dm/name".format(metadata)).read().strip()
    run("dmsetup", "message", pool, "0", "reserve_metadata_snap")
    try:
        return run(*(argv + ("/dev/mapper/" + name,))).stdout
    finally:
        run("dmsetup", "message", pool, "0", "release_metadata_snap")


def keep_output(name, text):
    """Real outputs for the unit tests' fixtures, left in .cache/bed/runs/ID/out/."""
    with open(os.path.join(os.environ.get("BED_OUT", "/tmp"), name), "w") as handle:
        handle.write(text)


def docker_ids(bed):
    """Every device id Docker knows: its metadata files, and each container's and image's GraphDriver."""
    directory = os.path.join(bed.root, "devicemapper", "metadata")
    ids = set()
    for name in os.listdir(directory):
        if name not in ("deviceset-metadata", "transaction-metadata"):
            with open(os.path.join(directory, name)) as handle:
                ids.add(json.load(handle)["device_id"])
    containers = bed.docker("ps", "-aq").stdout.split()
    for item in json.loads(bed.docker("inspect", *containers, IMAGE).stdout):
        ids.add(int(item["GraphDriver"]["Data"]["DeviceId"]))
    return ids


def make_orphan(bed, device_id, mib):
    """A thin device Docker never heard of, with mib MiB written to it."""
    run("dmsetup", "message", bed.pool, "0", "create_thin {}".format(device_id))
    if mib:
        name = "orphan-{}".format(device_id)
        run("dmsetup", "create", name, "--table", "0 {} thin /dev/mapper/{} {}".format(
            64 * MIB // 512, bed.pool, device_id))
        try:
            run("dd", "if=/dev/urandom", "of=/dev/mapper/" + name, "bs=1M", "count={}".format(mib), "oflag=direct")
        finally:
            run("dmsetup", "remove", name)


def block_bytes(bed):
    return int(run("dmsetup", "table", bed.pool).stdout.split()[5]) * 512


def orphan_line(text):
    return next(line for line in text.splitlines() if "orphan_devices" in line)


def pool_is_fine(bed):
    info = run("dmsetup", "info", bed.pool).stdout
    status = run("dmsetup", "status", bed.pool).stdout.split()
    return "SUSPENDED" not in info and status[status.index("thin-pool") + 4] == "-" and "rw" in status, (info, status)


def test_orphans_are_found_with_their_mapped_size_and_reclaim_without_yes_changes_nothing(bed):
    before = pool_ids(bed.pool)
    assert docker_ids(bed) <= set(before)
    top = max(before)
    for device_id, mib in ((top + 1, 4), (top + 2, 0), (500, 8)):
        make_orphan(bed, device_id, mib)
    made = pool_ids(bed.pool)
    assert made[500] * block_bytes(bed) == 8 * MIB
    keep_output("thin_ls-orphans.txt", on_metadata_snapshot(
        bed.pool, "thin_ls", "--metadata-snap", "--format", "DEV,MAPPED_BLOCKS,CREATE_TIME,SNAP_TIME"))
    keep_output("lvs-thin-ids.txt", run("lvs", "--noheadings", "--nameprefixes", "-o",
                                        "vg_name,lv_name,pool_lv,thin_id", bed.pool.split("-")[0]).stdout)

    told = bed.guardian("doctor")
    line = orphan_line(told.stdout)
    assert line.startswith("WARN    orphan_devices: 3 of the {} thin devices in pool {}".format(len(made), bed.pool)), \
        told.stdout + told.stderr
    assert "mapping 12 MiB: {} (4 MiB), {} (0 B), 500 (8 MiB)".format(top + 1, top + 2) in line, line
    assert line.endswith("-> pool-guardian doctor --reclaim"), line
    found = {f["check"]: f for f in json.loads(bed.guardian("doctor", "--json").stdout)["findings"]}
    assert found["orphan_devices"]["status"] == "WARN"

    listed = bed.guardian("doctor", "--reclaim")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert "would delete: {} (4 MiB), {} (0 B), 500 (8 MiB)".format(top + 1, top + 2) in listed.stdout, listed.stdout
    assert "dry-run: nothing deleted" in listed.stdout
    assert pool_ids(bed.pool) == made
    assert bed.held_metadata_root() == "-"


def test_reclaim_yes_deletes_the_orphans_and_never_a_device_docker_knows_even_one_made_meanwhile(bed):
    orphans = set(pool_ids(bed.pool)) - docker_ids(bed)
    assert len(orphans) == 3, orphans          # the first test's
    made, stop = [], threading.Event()

    def create_meanwhile():
        while not stop.is_set():
            name = "meanwhile-{}".format(len(made))
            bed.docker("create", "--name", name, "--network", "none", IMAGE, "true")
            made.append(name)
    creator = threading.Thread(target=create_meanwhile)
    creator.start()
    try:
        result = bed.guardian("doctor", "--reclaim", "--yes", "--grace", "15")
    finally:
        stop.set()
        creator.join(timeout=300)
    print(result.stdout, result.stderr)
    assert result.returncode == 0, result.stdout + result.stderr
    for device_id in sorted(orphans):
        assert re.search(r"^deleted {} \(".format(device_id), result.stdout, re.M), result.stdout
    assert "reclaimed 12 MiB: 3 deleted, 0 kept" in result.stdout

    assert len(made) >= 2, made
    after = pool_ids(bed.pool)
    assert not orphans & set(after)
    assert docker_ids(bed) <= set(after)       # every container and layer Docker knows, the new ones too
    assert run("docker", "cp", "keeper:/kept", "/tmp/kept").returncode == 0
    assert open("/tmp/kept").read() == "kept\n"
    bed.docker("start", "-a", made[-1])
    ok, why = pool_is_fine(bed)
    assert ok, why
    assert orphan_line(bed.guardian("doctor").stdout).startswith("PASS    orphan_devices: 0 of the")
    with open(bed.log_path) as handle:      # Docker running into the orphans on its next ids, if it did
        keep_output("dockerd-orphan-ids.txt", "".join(line for line in handle if "supposedly unused" in line))


def test_an_active_orphan_and_one_met_while_dockers_transaction_is_open_are_kept(bed):
    make_orphan(bed, 600, 1)
    make_orphan(bed, 601, 1)
    run("dmsetup", "create", "held-600", "--table", "0 {} thin /dev/mapper/{} 600".format(64 * MIB // 512, bed.pool))
    bed.stop_dockerd()
    transaction = os.path.join(bed.root, "devicemapper", "metadata", "transaction-metadata")
    with open(transaction) as handle:
        kept_text = handle.read()
    status = run("dmsetup", "status", bed.pool).stdout.split()
    pool_transaction = int(status[status.index("thin-pool") + 1])
    try:
        with open(transaction, "w") as handle:      # as Docker leaves it when killed mid-create
            json.dump({"open_transaction_id": pool_transaction + 1, "device_hash": "f" * 64, "device_id": 700},
                      handle)
        result = bed.guardian("doctor", "--reclaim", "--yes", "--grace", "0")
        assert result.returncode == 1, result.stdout + result.stderr
        assert "kept 600 (1 MiB): it is active as held-600" in result.stdout \
            or "kept 600 (1 MiB): Docker's transaction" in result.stdout, result.stdout
        assert "kept 601 (1 MiB): Docker's transaction {} is open (device 700".format(pool_transaction + 1) \
            in result.stdout, result.stdout
        assert {600, 601} <= set(pool_ids(bed.pool))

        with open(transaction, "w") as handle:
            handle.write(kept_text)
        result = bed.guardian("doctor", "--reclaim", "--yes", "--grace", "0")
        assert result.returncode == 1, result.stdout + result.stderr
        assert "kept 600 (1 MiB): it is active as held-600" in result.stdout, result.stdout
        assert "deleted 601 (1 MiB)" in result.stdout, result.stdout
        assert 600 in pool_ids(bed.pool) and 601 not in pool_ids(bed.pool)
    finally:
        with open(transaction, "w") as handle:
            handle.write(kept_text)
        run("dmsetup", "remove", "held-600", check=False)
        bed.start_dockerd()
    result = bed.guardian("doctor", "--reclaim", "--yes", "--grace", "0")
    assert "deleted 600 (1 MiB)" in result.stdout and result.returncode == 0, result.stdout + result.stderr


def test_a_deferred_deleted_device_still_held_is_named_with_who_holds_it(bed):
    bed.stop_dockerd()
    with open(DAEMON_JSON) as handle:
        config = json.load(handle)
    config["storage-opts"] += ["dm.use_deferred_removal=true", "dm.use_deferred_deletion=true"]
    with open(DAEMON_JSON, "w") as handle:
        json.dump(config, handle)
    bed.start_dockerd()
    bed.docker("run", "-d", "--name", "held", "--network", "none", IMAGE, "sleep", "600")
    data = bed.inspect("held")["GraphDriver"]["Data"]
    device_id, device_hash = int(data["DeviceId"]), data["DeviceName"].rsplit("-", 1)[-1]
    # As test_tools_busy's holder: a private copy of the mounts, and a bind elsewhere (kernel >= 3.18).
    script = "mkdir -p /tmp/leak && mount --bind {} /tmp/leak && exec sleep 600".format(mount_point(bed, "held"))
    holder = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", script])
    try:
        wait_for_mount(holder.pid, "/tmp/leak")
        bed.docker("rm", "-f", "held")
        with open(os.path.join(bed.root, "devicemapper", "metadata", device_hash)) as handle:
            assert json.load(handle)["deleted"] is True
        told = bed.guardian("doctor")
        line = orphan_line(told.stdout)
        print(line)
        assert line.startswith("WARN    orphan_devices: 0 of the"), line
        assert "1 deferred-deleted device(s) still in the pool: {} ({}, ".format(device_id, device_hash[:12]) in line
        assert "pid {} sleep 600".format(holder.pid) in line and "/tmp/leak" in line, line
        assert device_id in pool_ids(bed.pool)
    finally:
        holder.kill()
        holder.wait()
