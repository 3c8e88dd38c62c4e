"""Which thin devices Docker has lost track of, and when one may be deleted (issue 31 section 4)."""
import pytest

from guardian.decide import doctor
from guardian.decide.doctor import PASS, SKIP, UNKNOWN, WARN, Unread
from guardian.decide.orphans import (DockerDevice, DockerRecords, Held, Orphan, Skipped, Survey, deferred_deleted,
                                     find_orphans, first_look, kept_after, planned, refusal, untrusted)
from guardian.observe.docker_files import Transaction
from guardian.observe.pool_devices import PoolDevice

MIB = 1 << 20
BLOCK = 64 * 1024
# Docker's base (1), an image layer (2), a container (3), a deferred-deleted one (4); 9 and 12 no file names.
POOL = [PoolDevice(1, 100, 0, 0), PoolDevice(2, 160, 0, 1), PoolDevice(3, 16, 1, 1), PoolDevice(4, 32, 1, 1),
        PoolDevice(9, 1600, 2, 2), PoolDevice(12, 0, 3, 3)]
NAMED = {1: DockerDevice("base", False), 2: DockerDevice("aa" * 32, False), 3: DockerDevice("bb" * 32, False),
         4: DockerDevice("cc" * 32, True)}
CLOSED = Transaction(7, "bb" * 32, 3)       # the pool's transaction id is 7: closed
RECORDS = DockerRecords("/var/lib/docker/devicemapper/metadata", NAMED, (), CLOSED)


def test_devices_no_file_of_dockers_names_are_orphans_with_their_mapped_bytes():
    assert find_orphans(POOL, RECORDS, BLOCK, 7) == (Orphan(9, 100 * MIB, 2), Orphan(12, 0, 3))


def test_the_device_of_an_open_transaction_is_dockers_work_in_progress_not_an_orphan():
    records = RECORDS._replace(transaction=Transaction(8, "dd" * 32, 12))
    assert [o.device_id for o in find_orphans(POOL, records, BLOCK, 7)] == [9]


def test_deferred_deleted_devices_still_in_the_pool_are_listed_with_what_holds_them():
    held = deferred_deleted(POOL, RECORDS, BLOCK, lambda i: ["active as docker-253:0-1-cc, not mounted"])
    assert held == (Held(4, "cc" * 32, 2 * MIB, ("active as docker-253:0-1-cc, not mounted",)),)


ORPHAN = Orphan(9, 100 * MIB, 2)


def test_an_orphan_seen_a_grace_period_ago_with_nothing_against_it_may_be_deleted():
    assert refusal(ORPHAN, RECORDS, 7, (), first_seen_create_time=2) is None


@pytest.mark.parametrize("records, transaction_id, active, first, why", [
    (RECORDS._replace(unreadable=(("/m/.tmp-x", "cut short"),)), 7, (), 2, "/m/.tmp-x could not be read"),
    (RECORDS._replace(named=dict(list(NAMED.items()) + [(9, DockerDevice("ee" * 32, False))])), 7, (), 2,
     "Docker's metadata names it now (eeeeeeeeeeee)"),
    (RECORDS._replace(transaction=Transaction(8, "ff" * 32, 13)), 7, (), 2, "transaction 8 is open"),
    (RECORDS, 7, ("rescue",), 2, "it is active as rescue"),
    (RECORDS, 7, (), None, "not an orphan a grace period ago"),
    (RECORDS, 7, (), 1, "its id was reused since the first look"),
])
def test_an_orphan_is_kept_when_any_read_just_before_the_delete_speaks_for_it(
        records, transaction_id, active, first, why):
    assert why in refusal(ORPHAN, records, transaction_id, active, first)


def test_records_that_are_not_this_pools_are_refused_whole():
    assert "no 'base' file" in untrusted(RECORDS._replace(named={2: NAMED[2]}), {1, 2}, "pool")
    assert "base device 1 is not in pool pool" in untrusted(RECORDS, {2, 3}, "pool")
    assert "dockerd uses pool other" in untrusted(RECORDS, {1}, "pool", docker_pool="other")
    assert untrusted(RECORDS, {1, 2, 3}, "pool", docker_pool="pool") is None


def test_only_orphans_of_both_looks_with_the_same_creation_time_are_planned():
    first = first_look(Survey("pool", 6, (ORPHAN, Orphan(12, 0, 3)), (), "thin_ls"))
    second = Survey("pool", 6, (ORPHAN, Orphan(14, 0, 4)), (), "thin_ls")
    assert planned(first, second) == (ORPHAN,)
    assert kept_after(first, second) == [(12, "no longer an orphan at the second look")]


SURVEY = Survey("docker-pool", 6, (ORPHAN, Orphan(12, 0, 3)), (), "thin_ls of docker-pool, /m")


def test_the_doctor_warns_with_the_count_and_mapped_bytes_and_says_reclaim():
    finding = doctor.orphan_check(SURVEY)
    assert finding.status == WARN
    assert finding.seen.startswith("2 of the 6 thin devices in pool docker-pool no file of Docker's metadata "
                                   "names, mapping 100 MiB: 9 (100 MiB), 12 (0 B)")
    assert finding.change == "pool-guardian doctor --reclaim"


def test_the_doctor_names_deferred_deleted_devices_still_held_and_by_whom():
    held = Held(4, "cc" * 32, 2 * MIB, ("active as docker-x, mounted at /m in mnt:[1] (pid 5 sleep)",))
    finding = doctor.orphan_check(SURVEY._replace(orphans=(), held=(held,)))
    assert finding.status == WARN and "4 (cccccccccccc, 2 MiB): active as docker-x, mounted at /m" in finding.seen


def test_the_doctor_passes_a_pool_docker_names_every_device_of_and_never_passes_what_it_did_not_read():
    assert doctor.orphan_check(SURVEY._replace(orphans=())).status == PASS
    assert doctor.orphan_check(Unread("thin_ls: command not found")).status == UNKNOWN
    assert doctor.orphan_check(Skipped("Docker's storage driver is overlay2")).status == SKIP


def test_orphan_devices_is_one_of_the_doctors_checks():
    assert "orphan_devices" in doctor.CHECKS


def test_a_thin_volume_lvm_keeps_in_the_pool_is_never_an_orphan():
    claimed = {12: "docker/keep"}
    assert [o.device_id for o in find_orphans(POOL, RECORDS, BLOCK, 7, claimed)] == [9]
    assert refusal(Orphan(12, 0, 3), RECORDS, 7, (), 3, claimed) == "LVM keeps the thin volume docker/keep on it"
