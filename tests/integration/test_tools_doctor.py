"""`pool-guardian doctor` on real pools in the guest (issue 31): each check that this kernel, LVM and
Docker let us provoke is provoked for real and reported; `diagnose` on a sosreport made from this
guest's own outputs reports the checks a capture can hold exactly as the doctor does live.

Not provoked here: fs.may_detach_mounts (RHEL 7.4+ kernels only: SKIP on this one), udev sync off
(a static dockerd), Docker's floor over the high mark (through the unit:
tests/integration/systemd/test_as_installed_doctor.py)."""
import json
import os

import pytest

from tests.integration.bedlib import SCRATCH, out, sh
from tests.integration.bedlib.docker import LvmThinPool
from tests.integration.bedlib.guardian import BARE_POOL_CONFIG, Guardian
from tests.integration.bedlib.pools import ThinPool
from tests.integration.tools_helpers import docker_bed, run

NO_SPACE_TIMEOUT = "/sys/module/dm_thin_pool/parameters/no_space_timeout"


def doctor(guardian, env=None):
    """(exit code, {check: finding}) from `doctor --json`."""
    proc = run(*guardian.argv(["doctor", "--json"]), check=False, env=dict(os.environ, **(env or {})))
    assert proc.returncode in (0, 1, 2, 3), proc.stderr
    return proc.returncode, {f["check"]: f for f in json.loads(proc.stdout)["findings"]}


@pytest.fixture
def pools():
    made = []
    yield made
    for pool in made:
        pool.destroy()


def watching(tmp_path, pool_name):
    return Guardian(str(tmp_path), BARE_POOL_CONFIG.format(pool=pool_name))


def test_a_pool_that_errors_when_full_and_a_kernel_that_queues_for_ever_are_warned(pools, tmp_path):
    pools.append(ThinPool(error_if_no_space=True))
    code, found = doctor(watching(tmp_path, pools[0].name))
    assert found["no_space_mode"]["status"] == "WARN", found["no_space_mode"]
    assert found["no_space_mode"]["seen"] == "error_if_no_space (the pool's table)"
    assert found["may_detach_mounts"]["status"] == "SKIP" and code >= 1

    pools.append(ThinPool())
    guardian = watching(tmp_path, pools[1].name)
    before = open(NO_SPACE_TIMEOUT).read().strip()
    assert doctor(guardian)[1]["no_space_mode"]["status"] == "PASS"
    try:
        sh("echo 0 > " + NO_SPACE_TIMEOUT)
        found = doctor(guardian)[1]["no_space_mode"]
    finally:
        sh("echo {} > {}".format(before, NO_SPACE_TIMEOUT))
    assert found["status"] == "WARN" and found["seen"].startswith("queue_if_no_space, no_space_timeout 0 s"), found


def test_loop_files_on_ext3_are_warned_that_a_trim_never_gives_the_space_back(pools, tmp_path):
    image, mount = os.path.join(SCRATCH, "ext3.img"), os.path.join(SCRATCH, "ext3")
    sh("truncate -s 1G {0} && mkfs.ext3 -q -F {0} && mkdir -p {1} && mount -t ext3 -o loop {0} {1}".format(image, mount))
    try:
        pools.append(ThinPool(directory=mount))
        found = doctor(watching(tmp_path, pools[0].name))[1]["hole_punching"]
        pools.append(ThinPool())        # on the scratch disk's xfs
        on_xfs = doctor(watching(tmp_path, pools[1].name))[1]["hole_punching"]
        while pools:
            pools.pop().destroy()
    finally:
        sh("umount {0}; rm -f {1}".format(mount, image), check=False)
    assert found["status"] == "WARN" and found["seen"] == "loop files on ext3 ({})".format(mount), found
    assert on_xfs["status"] == "PASS" and on_xfs["seen"].startswith("loop files on xfs"), on_xfs


def test_a_direct_lvm_pool_lvm_cannot_check_at_boot_fails_and_one_nothing_grows_is_warned(pools, tmp_path):
    lvm = LvmThinPool(size=1 << 30, pool_size="256M", metadata_size="8M")
    pools.append(lvm)
    sh("lvchange -q --monitor n {}/thinpool".format(lvm.vg))
    guardian = watching(tmp_path, lvm.dm_name)
    code, found = doctor(guardian)
    assert found["thin_check"]["status"] == "PASS", found["thin_check"]
    assert found["lvm_monitoring"]["status"] == "WARN" and "does not monitor" in found["lvm_monitoring"]["seen"]
    # LVM's own config read from another directory, whose thin_check is not there: LVM would not
    # activate the pool at boot
    conf = tmp_path / "lvm"
    conf.mkdir()
    (conf / "lvm.conf").write_text('global {\n    thin_check_executable = "/nonexistent/thin_check"\n}\n')
    code, found = doctor(guardian, {"LVM_SYSTEM_DIR": str(conf)})
    assert code == 2 and found["thin_check"]["status"] == "FAIL", found["thin_check"]
    assert found["thin_check"]["seen"] == ("/nonexistent/thin_check is not installed (lvm.conf "
                                           "global/thin_check_executable)")


def no_room_for_autoextend(lvm, threshold=80):
    """The pool given a metadata profile that autoextends it (as docker-storage-setup's
    docker-thinpool.profile does), monitored by dmeventd, and the rest of its volume group taken by
    another LV: the next autoextend has no room. Returns the profile's name."""
    name = "bed-{}".format(lvm.vg)
    os.makedirs("/etc/lvm/profile", exist_ok=True)      # the guest's overlay: the host's /etc is never touched
    with open("/etc/lvm/profile/{}.profile".format(name), "w") as f:
        f.write("activation {{\n    thin_pool_autoextend_threshold = {}\n    thin_pool_autoextend_percent = 20\n}}\n"
                .format(threshold))
    sh("lvchange -q --metadataprofile {0} {1}/thinpool && lvchange -q --monitor y {1}/thinpool".format(name, lvm.vg))
    sh("lvcreate -q -y -l 100%FREE -n filler {}".format(lvm.vg))
    return name


def test_a_monitored_pool_whose_volume_group_has_no_room_for_one_autoextend_step_fails(pools, tmp_path):
    lvm = LvmThinPool(size=1 << 30, pool_size="256M", metadata_size="8M")
    pools.append(lvm)
    profile = no_room_for_autoextend(lvm)
    try:
        code, found = doctor(watching(tmp_path, lvm.dm_name))
        assert found["lvm_monitoring"]["status"] == "PASS", found["lvm_monitoring"]
        assert found["lvm_autoextend_threshold"]["seen"] == "thin_pool_autoextend_threshold = 80 (lvm config)"
        room = found["lvm_autoextend_room"]
        assert code == 2 and room["status"] == "FAIL", room
        assert room["seen"].startswith("volume group free 0 B, one autoextend step 51.2 MiB (20% of 256 MiB)"), room
        with open("/etc/lvm/profile/{}.profile".format(profile), "w") as f:     # LVM never extends
            f.write("activation {\n    thin_pool_autoextend_threshold = 100\n}\n")
        found = doctor(watching(tmp_path, lvm.dm_name))[1]
        assert found["lvm_autoextend_threshold"]["status"] == "WARN", found["lvm_autoextend_threshold"]
        assert found["lvm_autoextend_room"]["status"] == "SKIP", found["lvm_autoextend_room"]
    finally:
        os.unlink("/etc/lvm/profile/{}.profile".format(profile))


def sosreport(directory, bed):
    """What sos's docker and devicemapper plugins capture, from this guest's own commands."""
    for plugin, name, argv in (("docker", "docker_info", ["docker", "info"]),
                               ("devicemapper", "dmsetup_status", ["dmsetup", "status"]),
                               ("devicemapper", "dmsetup_table", ["dmsetup", "table"])):
        os.makedirs(os.path.join(directory, "sos_commands", plugin), exist_ok=True)
        text = bed.docker("info").stdout if plugin == "docker" else out(" ".join(argv))
        with open(os.path.join(directory, "sos_commands", plugin, name), "w") as f:
            f.write(text + "\n")


def test_diagnose_on_a_sosreport_of_this_guest_finds_what_the_doctor_finds_live(tmp_path):
    with docker_bed() as bed:
        guardian = Guardian(str(tmp_path), "pool:\n  name: {}\n".format(bed.pool))
        code, live = doctor(guardian)
        report = str(tmp_path / "sosreport-guest")
        sosreport(report, bed)
    proc = guardian.cli("diagnose", "--sosreport", report, "--pool", bed.pool, "--json", check=False)
    captured = {f["check"]: f for f in json.loads(proc.stdout)["doctor"]["findings"]}
    assert sorted(captured) == ["deferred_removal", "docker_floor", "loop_lvm", "metadata_headroom", "no_space_mode",
                                "udev_sync"]
    # the kernel module's no_space_timeout is no command's output, so sos has it not: UNKNOWN, said why
    assert captured.pop("no_space_mode")["seen"].endswith("not read: not in the captures")
    assert {c: f["status"] for c, f in captured.items()} == {c: live[c]["status"] for c in captured}, (captured, live)
    # Docker 20.10 turns deferred removal and deletion on by itself; an LVM pool is no loop-lvm
    captured.pop("metadata_headroom")
    assert {c: f["status"] for c, f in captured.items()} == {
        "deferred_removal": "PASS", "docker_floor": "PASS", "loop_lvm": "PASS", "udev_sync": "PASS"}
