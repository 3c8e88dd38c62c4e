"""The doctor's facts from what a snapshot and the host hold, on real outputs: `docker info`, dmsetup
status and table from the corpus, Docker's option files, a mountinfo line."""
import json
import os

import pytest

from guardian.cli import main
from guardian.config import load_config_text
from guardian.decide.doctor import FAIL, PASS, SKIP, UNKNOWN, WARN, Options, Unread, examine
from guardian.observe.docker_info import parse_docker_info
from guardian.observe.docker_options import options_from_sysconfig
from guardian.observe.dmsetup import parse_status, parse_table
from guardian.observe.snapshot import compose_snapshot, docker_snapshot
from guardian.tools.doctor import (CAPTURE_CHECKS, backing_fstype, capture_facts, config_floor_problem,
                                   floor_from_options)
from tests.unit.observe.conftest import CORPUS, load_sample

# The mountinfo line proc(5) and the kernel's Documentation/filesystems/proc.txt give.
MOUNTINFO = "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n"
DEFAULTS = load_config_text("")
HIGH_92 = load_config_text("watermarks:\n  data:\n    high: 92%\n    critical: 95%\n")


def snapshot(info=None, status=None, table=None):
    docker = parse_docker_info(load_sample("docker-info", info)) if info else None
    statuses = parse_status(load_sample("dmsetup-status", status)) if status else None
    tables = parse_table(load_sample("dmsetup-table", table)) if table else []
    return compose_snapshot(statuses, tables, docker)


def by_check(findings):
    return {f.check: f for f in findings}


def test_a_rhel_loop_lvm_docker_info_fails_a_92_percent_high_mark_and_warns_on_its_settings():
    """docker 1.12.1 (moby#27409): floor 10.74 GB of 107.4 GB, deferred off, Docker's loopback warning."""
    found = by_check(examine(capture_facts(snapshot("005.txt", "003.txt"), HIGH_92), CAPTURE_CHECKS))
    assert found["docker_floor"].status == FAIL and "Docker's floor 10% free" in found["docker_floor"].seen
    assert found["deferred_removal"].status == WARN and "(docker info)" in found["deferred_removal"].seen
    assert found["loop_lvm"].status == WARN and "strongly discouraged" in found["loop_lvm"].seen
    assert found["udev_sync"].status == PASS
    assert found["no_space_mode"].status == UNKNOWN     # queueing, for how long a capture does not say


def test_the_default_high_mark_passes_dockers_floor():
    found = by_check(examine(capture_facts(snapshot("005.txt", "003.txt"), DEFAULTS), CAPTURE_CHECKS))
    assert found["docker_floor"].status == PASS


def test_udev_sync_false_in_docker_info_fails():
    found = by_check(examine(capture_facts(snapshot("059.txt"), DEFAULTS), CAPTURE_CHECKS))
    assert found["udev_sync"].status == FAIL


def test_without_docker_info_the_docker_checks_are_unknown_with_why():
    found = by_check(examine(capture_facts(snapshot(status="003.txt"), DEFAULTS), CAPTURE_CHECKS))
    for check in ("docker_floor", "deferred_removal", "udev_sync"):
        assert found[check].status == UNKNOWN and "not read" in found[check].seen, check


def test_the_no_space_mode_is_the_kernels_word_and_unknown_where_its_kernel_did_not_print_it():
    """The docs' wrapped status line says queue_if_no_space; an early RHEL 7 line (moby#27409's
    host) stops after the discard word, and without its table nothing says the mode."""
    facts = capture_facts(snapshot(status="004.txt", table="001.txt"), DEFAULTS)
    assert facts.no_space_policy == "queue_if_no_space"
    # for how long the kernel queues is a module parameter, which no capture holds
    assert examine(facts, ["no_space_mode"])[0].seen == "dm_thin_pool's no_space_timeout not read: not in the captures"
    assert isinstance(capture_facts(snapshot(status="009.txt"), DEFAULTS).no_space_policy, Unread)


def test_docker_storage_setup_options_give_dockers_default_floor():
    options = options_from_sysconfig(load_sample("docker-storage", "001.txt"))
    floor = floor_from_options(Options(dict(options.values, **{"storage-driver": options.driver}), "file"))
    assert floor.percent == 10 and "dm.min_free_space not set" in floor.source


def test_check_config_refuses_a_high_mark_at_dockers_floor_from_its_options_only():
    options = options_from_sysconfig(load_sample("docker-storage", "001.txt"))
    found = Options(dict(options.values, **{"storage-driver": options.driver}), "/etc/sysconfig/docker-storage")
    assert "watermarks.data.high" in config_floor_problem(HIGH_92, found)
    assert config_floor_problem(DEFAULTS, found) is None


def test_check_config_says_nothing_when_dockers_options_do_not_say_devicemapper():
    overlay = Options({"storage-driver": "overlay2"}, "dockerd command line")
    assert config_floor_problem(HIGH_92, overlay) is None


def test_loop_files_on_ext3_are_found_by_their_mount():
    assert backing_fstype("/mnt2/devicemapper/devicemapper", MOUNTINFO) == ("ext3", "/mnt2")


def test_diagnose_prints_the_checks_its_captures_allow(capsys):
    code = main(["diagnose", "--docker-info", os.path.join(CORPUS, "docker-info", "059.txt"), "--json"])
    doctor = json.loads(capsys.readouterr().out)["doctor"]
    assert [f["check"] for f in doctor["findings"]] == list(CAPTURE_CHECKS)
    assert doctor["status"] == FAIL and code in (0, 1, 2, 3)


@pytest.mark.parametrize("kind", ["loop-lvm", "direct-lvm"])
def test_lvm_checks_skip_a_pool_of_the_other_kind(kind):
    facts = capture_facts(snapshot("005.txt", "003.txt"), DEFAULTS)._replace(kind=kind)
    found = by_check(examine(facts))
    assert (found["hole_punching"].status == SKIP) == (kind == "direct-lvm")
    assert (found["lvm_monitoring"].status == SKIP) == (kind == "loop-lvm")


def test_an_lvm_pool_in_captures_is_direct_lvm_by_the_data_lv_lvm_names_beside_it():
    """Captures give no device numbers' names; LVM names a pool's data LV VG-POOL_tdata (and the
    pool VG-POOL-tpool once it has thin LVs): a Debian LVM host's full `dmsetup status`."""
    statuses = parse_status(load_sample("dmsetup-status", "011.txt"))
    pool = compose_snapshot(statuses, [], None, override="x22v0-tp_ssd-tpool").pool
    assert pool.kind == "direct-lvm"
    found = by_check(examine(capture_facts(compose_snapshot(statuses, [], None, override="x22v0-tp_ssd-tpool"),
                                           DEFAULTS), ["loop_lvm"]))
    assert found["loop_lvm"].status == PASS
    assert compose_snapshot(parse_status(load_sample("dmsetup-status", "003.txt")), [], None).pool.kind == "unknown"


def test_a_captured_small_metadata_pool_is_projected_from_docker_infos_figures():
    """Ubuntu 14.04 kernel 3.16 (moby#15629): 12.58 MB of metadata is ~80% used when its 10.74 GB
    of data is full (decide/metadata.py's test of the same capture)."""
    found = by_check(examine(capture_facts(docker_snapshot(parse_docker_info(load_sample("docker-info", "059.txt"))),
                                           DEFAULTS), CAPTURE_CHECKS))["metadata_headroom"]
    assert found.status == PASS
    assert found.seen.startswith("metadata 744 KiB of 12 MiB, data 6.9% used (docker info); 1.48 metadata blocks")


def test_metadata_headroom_from_a_status_line_and_unknown_without_counts():
    """Docker's docs sample (corpus dmsetup-status/005): 701943 of 753600 data blocks, 6270 metadata blocks."""
    found = by_check(examine(capture_facts(snapshot(status="005.txt"), DEFAULTS), CAPTURE_CHECKS))
    assert found["metadata_headroom"].status == PASS and "(dmsetup status)" in found["metadata_headroom"].seen
    found = by_check(examine(capture_facts(snapshot("005.txt"), DEFAULTS), CAPTURE_CHECKS))
    assert found["metadata_headroom"].status == UNKNOWN


def test_a_capture_takes_the_kernel_from_docker_info_and_the_metadata_mark_and_grow_from_the_settings():
    facts = capture_facts(snapshot("059.txt"), load_config_text("ladder:\n  grow:\n    enabled: true\n"))
    assert (facts.kernel, facts.metadata_high, facts.grow_metadata) == ("3.16.0-30-generic", 70.0, True)


@pytest.mark.parametrize("mode, daemon, dry_run, skipped", [
    ("observe", True, False, "the daemon in observe mode"), ("enforce", True, False, None),
    ("observe", False, False, None), ("enforce", False, True, "in dry-run mode")])
def test_the_pools_device_list_is_read_by_an_enforcing_daemon_or_an_operators_doctor(mode, daemon, dry_run, skipped):
    """Reading it reserves a metadata snapshot, a change to the pool: a daemon that only observes
    (or dry-runs) does not; `pool-guardian doctor`, asked by an operator, does unless --dry-run."""
    from types import SimpleNamespace
    from guardian.tools.doctor import _why_not_survey
    why = _why_not_survey(load_config_text("mode: {}\n".format(mode)), SimpleNamespace(dry_run=dry_run), daemon)
    assert why is None if skipped is None else why.startswith(skipped)
