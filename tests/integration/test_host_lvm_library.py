"""LVM commands in-process through liblvm2cmd: the same reports and errors as the lvm processes."""
import locale
import os

import pytest

from guardian.act.grow_lvm import LV_FIELDS, read_lvm_settings, read_pool_lv
from guardian.errors import CommandError
from guardian.host.runner import Runner
from guardian.report.log import configure_logging


def runners():
    """Built inside the test, so that capfd sees the log."""
    log = configure_logging("debug", "console")
    return Runner(log, lvm_in_process=True), Runner(log, lvm_in_process=False)


def test_lvs_reports_the_same_rows_in_process_as_the_lvs_process(lvm_thin_pool):
    argv = ["lvs", "--noheadings", "--nameprefixes", "--units", "b", "--nosuffix", "-o", LV_FIELDS,
            lvm_thin_pool.vg + "/thinpool"]
    inside, outside = (runner.run(argv).stdout for runner in runners())
    assert "LVM2_VG_EXTENT_SIZE=" in inside
    assert inside.split() == outside.split()


def test_the_pool_lv_and_its_threshold_read_alike_both_ways(lvm_thin_pool):
    lv = lvm_thin_pool.vg + "/thinpool"
    inside, outside = ((read_pool_lv(runner, lv), read_lvm_settings(runner, "").threshold) for runner in runners())
    assert inside == outside
    assert inside[0].vg.name == lvm_thin_pool.vg and inside[1] is not None


def test_a_failing_lvextend_in_process_is_a_one_line_error_and_changes_nothing(lvm_thin_pool, capfd):
    lv = lvm_thin_pool.vg + "/thinpool"
    runner = runners()[0]
    before = read_pool_lv(runner, lv)
    with pytest.raises(CommandError) as error:
        runner.run(["lvextend", "-l", "+999999", lv])
    assert "lvextend -l +999999 {} failed (exit 5): ".format(lv) in str(error.value)
    assert "Insufficient free space" in str(error.value)
    assert read_pool_lv(runner, lv) == before
    assert "via=liblvm2cmd" in capfd.readouterr().err


def test_lvm_leaves_the_processes_umask_and_locale_as_they_were(lvm_thin_pool):
    """LVM sets umask 077 and the environment's locale as it starts and runs."""
    mask, where = os.umask(0o022), locale.setlocale(locale.LC_ALL, None)
    try:
        runners()[0].run(["lvs", lvm_thin_pool.vg + "/thinpool"])
        assert os.umask(0o022) == 0o022
        assert locale.setlocale(locale.LC_ALL, None) == where
    finally:
        os.umask(mask)


def test_a_profile_read_does_not_stick_to_the_next_threshold_read(lvm_thin_pool):
    """In liblvm2cmd, --metadataprofile stays applied to later commands: with it in-process,
    a pool without a profile read the last profile's threshold."""
    os.makedirs("/etc/lvm/profile", exist_ok=True)
    with open("/etc/lvm/profile/bed-sticky.profile", "w") as handle:
        handle.write("activation {\n  thin_pool_autoextend_threshold = 80\n}\n")
    inside = runners()[0]
    assert read_lvm_settings(inside, "bed-sticky").threshold == 80
    assert read_lvm_settings(inside, "").threshold == read_lvm_settings(runners()[1], "").threshold == 100


def test_an_lvextend_in_process_prints_nothing_of_its_own_and_keeps_its_errors(lvm_thin_pool, capfd):
    """lvextend runs without the log callback (quiet): LVM's notices and warnings go nowhere,
    its errors to a log file the runner reads; the reports after it still come through."""
    lv = lvm_thin_pool.vg + "/thinpool"
    runner = runners()[0]
    before = read_pool_lv(runner, lv)
    capfd.readouterr()
    runner.run(["lvextend", "-l", "+1", lv])
    grown = read_pool_lv(runner, lv)
    assert grown.vg.free == before.vg.free - before.vg.extent
    printed = capfd.readouterr()
    assert "resized" not in printed.out + printed.err and "Size of logical volume" not in printed.out + printed.err
    with pytest.raises(CommandError) as error:
        runner.run(["lvextend", "-l", "+999999", lv])
    assert "Insufficient free space" in str(error.value)
    runner.run(["lvextend", "-l", "+1", lv])    # the last error is not reported again


def test_an_lvextend_that_fails_before_lvm_logs_says_where_its_message_went(lvm_thin_pool):
    """A --config LVM cannot parse fails before its log file is set: the error says so, and
    does not repeat the errors of an earlier command."""
    lv = lvm_thin_pool.vg + "/thinpool"
    runner = runners()[0]
    with pytest.raises(CommandError):
        runner.run(["lvextend", "-l", "+999999", lv])
    with pytest.raises(CommandError) as error:
        runner.run(["lvextend", "--config", "activation{", "-l", "+1", lv])
    assert "before its log was set up" in str(error.value)
    assert "Insufficient free space" not in str(error.value)
