"""The doctor's checks: each takes plain facts and says PASS, WARN, FAIL, UNKNOWN (with why) or SKIP."""
import pytest

from guardian.decide import doctor
from guardian.decide.doctor import (FAIL, PASS, SKIP, UNKNOWN, WARN, Deferred, Facts, Finding, Floor, Lvm,
                                    Options, ThinCheck, Unread)
from guardian.decide.metadata import Use

GIB = 1 << 30
DEFAULT_FLOOR = Floor(10, "docker info Thin Pool Minimum Free Space")


@pytest.mark.parametrize("high, status", [(89.0, PASS), (90.0, FAIL), (95.0, FAIL)])
def test_a_data_high_mark_at_or_above_100_minus_dockers_floor_fails(high, status):
    finding = doctor.floor_check(high, DEFAULT_FLOOR)
    assert finding.status == status
    assert "Docker refuses at 90%" in finding.seen
    assert ("below 90%" in finding.change) == (status == FAIL)


def test_an_unknown_floor_is_unknown_with_why_never_a_pass():
    finding = doctor.floor_check(80.0, Unread("docker: cannot reach unix:///var/run/docker.sock"))
    assert finding.status == UNKNOWN and "cannot reach" in finding.seen


@pytest.mark.parametrize("value, status", [(0, WARN), (1, PASS), (None, SKIP)])
def test_may_detach_mounts_at_0_warns_and_is_skipped_where_the_sysctl_does_not_exist(value, status):
    assert doctor.may_detach_mounts_check(value).status == status


@pytest.mark.parametrize("removal, deletion, status", [(True, True, PASS), (True, False, WARN), (False, False, WARN)])
def test_docker_without_deferred_removal_or_deletion_warns(removal, deletion, status):
    finding = doctor.deferred_check(Deferred(removal, deletion, "docker info", "devicemapper"))
    assert finding.status == status
    assert (status == WARN) == ("dm.use_deferred_removal=true" in finding.change)


def test_deferred_removal_is_not_asked_of_another_storage_driver():
    assert doctor.deferred_check(Deferred(False, False, "docker info", "overlay2")).status == SKIP


@pytest.mark.parametrize("values, status", [
    ({}, WARN), ({"dm.xfs_nospace_max_retries": "0"}, PASS), ({"dm.fs": "ext4"}, SKIP),
    ({"storage-driver": "overlay2"}, SKIP)])
def test_xfs_nospace_max_retries_unset_warns_and_says_which_sources_were_read(values, status):
    finding = doctor.xfs_retries_check(Options(values, "/etc/sysconfig/docker-storage"))
    assert finding.status == status and "/etc/sysconfig/docker-storage" in finding.seen


def test_loop_lvm_warns_with_dockers_own_warning():
    warning = "WARNING: Usage of loopback devices is strongly discouraged for production use."
    assert doctor.loop_lvm_check("loop-lvm", warning) == Finding(
        "loop_lvm", WARN, warning, doctor.loop_lvm_check("loop-lvm", warning).meaning,
        "move Docker to a direct-lvm thin pool (dm.thinpooldev)")
    assert doctor.loop_lvm_check("direct-lvm", None).status == PASS


@pytest.mark.parametrize("value, status", [(False, FAIL), (True, PASS), (Unread("docker: down"), UNKNOWN)])
def test_udev_sync_off_fails(value, status):
    assert doctor.udev_sync_check(value).status == status


@pytest.mark.parametrize("kind, status", [("direct-lvm", FAIL), ("loop-lvm", WARN)])
def test_thin_check_missing_fails_where_lvm_activates_the_pool(kind, status):
    finding = doctor.thin_check_check(ThinCheck("thin_check", None, "PATH"), kind)
    assert finding.status == status and "device-mapper-persistent-data" in finding.change


def test_thin_check_installed_passes_with_its_version():
    finding = doctor.thin_check_check(ThinCheck("/usr/sbin/thin_check", "0.7.3", "lvm.conf"), "direct-lvm")
    assert finding.status == PASS and "0.7.3" in finding.seen


@pytest.mark.parametrize("fstype, status", [("ext3", WARN), ("ext4", PASS), ("xfs", PASS), ("nfs4", UNKNOWN)])
def test_loop_files_on_a_filesystem_that_cannot_punch_holes_warn(fstype, status):
    assert doctor.hole_punch_check("loop-lvm", (fstype, "/var/lib/docker")).status == status


def test_hole_punching_is_skipped_for_direct_lvm_and_unknown_for_an_unknown_pool():
    assert doctor.hole_punch_check("direct-lvm", ("ext3", "/")).status == SKIP
    assert doctor.hole_punch_check(Unread("no pool"), ("ext3", "/")).status == UNKNOWN


def lvm(monitored=True, threshold=80, percent=20, vg_free=10 * GIB, pool=100 * GIB):
    return Lvm("docker/thinpool", monitored, threshold, percent, vg_free, pool)


@pytest.mark.parametrize("grow, status", [(False, WARN), (True, PASS)])
def test_dmeventd_monitoring_off_warns_unless_pool_guardian_grows_the_pool(grow, status):
    assert doctor.lvm_monitoring_check("direct-lvm", lvm(monitored=False), grow).status == status
    assert doctor.lvm_monitoring_check("direct-lvm", lvm(), grow).status == PASS


def test_autoextend_threshold_100_is_autoextend_off():
    assert doctor.autoextend_threshold_check("direct-lvm", lvm(threshold=100), False).status == WARN
    assert doctor.autoextend_threshold_check("direct-lvm", lvm(threshold=80), False).status == PASS


@pytest.mark.parametrize("vg_free, status", [(19 * GIB, FAIL), (20 * GIB, PASS)])
def test_volume_group_free_below_one_autoextend_step_fails(vg_free, status):
    finding = doctor.autoextend_room_check("direct-lvm", lvm(vg_free=vg_free))
    assert finding.status == status and "one autoextend step 20 GiB" in finding.seen


def test_autoextend_room_is_skipped_when_lvm_does_not_autoextend():
    assert doctor.autoextend_room_check("direct-lvm", lvm(threshold=100)).status == SKIP
    assert doctor.autoextend_room_check("direct-lvm", Unread("lvs: permission denied")).status == UNKNOWN


@pytest.mark.parametrize("policy, timeout, status", [
    ("error_if_no_space", 60, WARN), ("queue_if_no_space", 0, WARN), ("queue_if_no_space", 60, PASS),
    ("queue_if_no_space", None, PASS), ("queue_if_no_space", Unread("permission denied"), UNKNOWN)])
def test_no_space_mode_says_how_long_writes_queue(policy, timeout, status):
    assert doctor.no_space_check(policy, timeout).status == status


def test_examine_runs_every_check_once_and_unread_facts_are_unknown():
    findings = doctor.examine(Facts(data_high=80.0, grow_enabled=False))
    assert [f.check for f in findings] == list(doctor.CHECKS)
    assert {f.status for f in findings} == {UNKNOWN}


def test_examine_runs_only_the_named_checks_in_their_order():
    findings = doctor.examine(Facts(80.0, False, floor=DEFAULT_FLOOR, udev_sync=True), ("udev_sync", "docker_floor"))
    assert [f.check for f in findings] == ["docker_floor", "udev_sync"]


@pytest.mark.parametrize("statuses, code", [((PASS, SKIP), 0), ((PASS, WARN), 1), ((WARN, UNKNOWN), 3),
                                            ((UNKNOWN, FAIL), 2)])
def test_exit_code_is_the_worst_as_check_ranks_it(statuses, code):
    assert doctor.exit_code([Finding("x", s, "") for s in statuses]) == code


SMALL_METADATA = Use(1100, 2048, 1000, 10000)       # runs out at ~18.7% data (test_metadata.py)


@pytest.mark.parametrize("kind, change", [
    ("direct-lvm", "lvextend --poolmetadatasize 61M VG/POOL"),
    ("loop-lvm", "grow the metadata file to 61 MiB (pool-guardian grow --metadata)"),
    (Unread("no pool"), "grow the pool's metadata device to 61 MiB")])
def test_metadata_that_runs_out_before_data_is_full_fails_with_the_data_percent_and_the_size_to_grow_to(
        kind, change):
    finding = doctor.metadata_headroom_check(SMALL_METADATA, kind, None, 70.0, False)
    assert finding.status == FAIL
    assert finding.meaning.startswith("metadata runs out at ~19% data")
    assert "109.10 metadata blocks per 100 data blocks (any kernel reserve counted as use)" in finding.seen
    assert finding.change.startswith(change) and finding.change.endswith("or enable ladder.grow (grow.metadata)")


def test_metadata_that_runs_out_warns_when_pool_guardian_grows_it():
    finding = doctor.metadata_headroom_check(SMALL_METADATA, "loop-lvm", None, 70.0, True)
    assert finding.status == WARN and "grows metadata ahead of it" in finding.meaning


def test_metadata_that_holds_a_full_pool_passes_and_says_how_full():
    """On kernel 6.1 the reserve (204 blocks of 2048) is part of the empty pool, not per-block use."""
    finding = doctor.metadata_headroom_check(Use(300, 2048, 2000, 10000), "loop-lvm", "6.1.0-13-amd64", 70.0,
                                             False)
    assert finding.status == PASS
    assert finding.seen.endswith("4.35 metadata blocks per 100 data blocks: 2.531 MiB (32%) needed when data is full")


def test_metadata_headroom_is_skipped_on_an_almost_empty_pool_and_unknown_unread():
    assert doctor.metadata_headroom_check(Use(30, 2048, 100, 10000), "loop-lvm", None, 70.0, False).status == SKIP
    assert doctor.metadata_headroom_check(Unread("no pool"), "loop-lvm", None, 70.0, False).status == UNKNOWN
