"""grow on real pools: loop-lvm files, loop devices and table; direct-lvm with lvextend."""
import contextlib
import os

from guardian.act.base import DONE, DRY_RUN, NOTHING_TO_DO, REFUSED
from guardian.act.grow import grow, grow_parts
from guardian.act.grow_lvm import LvmGrow, lvm_grow_for
from guardian.decide.growth import Refusal
from tests.integration.actions_helpers import context, pool_config, suspended
from tests.integration.bedlib import dmesg_mark, dmesg_since, out, sh

pytest_plugins = ("tests.integration.actions_helpers",)   # small_fs
GIB, MIB = 1 << 30, 1 << 20
GROW = "ladder:\n  grow:\n    enabled: true\n    step: 50%\n    min_step: 256M\n    reserve: {}\n"


class LvmPool:
    """conftest's lvm_thin_pool, seen as pool-guardian sees it."""

    def __init__(self, lvm):
        self.lv = lvm.vg + "/thinpool"
        self.name = [n for n in out("dmsetup ls --target thin-pool").split() if n.startswith(lvm.vg + "-")][0]

    def bytes(self):
        return int(out("lvs --noheadings --units b --nosuffix -o lv_size " + self.lv))


def grow_now(pool, config, parts=("data",), dry_run=False, fill_rate=0.0):
    ctx, observer = context(pool_config(pool) + config, dry_run=dry_run, with_docker=False)
    ctx = ctx._replace(data_fill_rate=fill_rate)
    result = grow_parts(observer.snapshot(), ctx, list(parts))
    print(result)
    return result


def test_grow_loop_pool_data_the_kernel_sees_it_and_the_pool_stays_rw(make_thin_pool):
    pool = make_thin_pool(data_size=GIB, meta_size=64 * MIB)
    mark = dmesg_mark()
    result = grow_now(pool, GROW.format("10%"))
    assert result.outcome == DONE, result.summary
    assert any("growing the data device from 16384 to 24576 blocks" in l for l in dmesg_since(mark))
    status = pool.status()
    assert (status["data_total_blocks"], status["mode"]) == (24576, "rw")
    assert os.stat(pool.data_file).st_size == GIB + GIB // 2
    assert not suspended(pool.name)


def test_grow_loop_pool_metadata(make_thin_pool):
    pool = make_thin_pool(data_size=GIB, meta_size=64 * MIB)
    result = grow_now(pool, GROW.format("10%"), parts=("metadata",))
    assert result.outcome == DONE, result.summary
    assert pool.status()["metadata_total_blocks"] == 128 * MIB // 4096
    assert os.stat(pool.meta_file).st_size == 128 * MIB


def test_grow_refuses_past_the_reserve_and_changes_nothing(small_fs, make_thin_pool):
    directory = small_fs(2 * GIB)
    pool = make_thin_pool(directory=directory, data_size=GIB, meta_size=64 * MIB)
    table = out("dmsetup table " + pool.name)
    result = grow_now(pool, GROW.format("800M"))
    assert result.outcome == REFUSED
    assert "the filesystem under {} has".format(directory) in result.summary
    assert "(grow.reserve): refusing to promise space that is not there" in result.summary
    assert out("dmsetup table " + pool.name) == table
    assert os.stat(pool.data_file).st_size == GIB


def test_a_fast_filling_pool_grows_by_the_fill_rate_as_far_as_the_reserve_allows(small_fs, make_thin_pool):
    directory = small_fs(4 * GIB)
    pool = make_thin_pool(directory=directory, data_size=GIB, meta_size=64 * MIB)
    # 0 used at 100 MiB/s for 30 s wants 3000 MiB / 80% = 3750 MiB; the 4 GiB filesystem less
    # its 10% reserve and the metadata file's promise leaves less than that
    result = grow_now(pool, GROW.format("10%") + "    absorb: 30s\n", fill_rate=100 * MIB)
    assert result.outcome == DONE, result.summary
    assert "(step sized for 30 s at 100 MiB/s of writing)" in result.summary
    size = os.stat(pool.data_file).st_size
    fs = os.statvfs(directory)
    assert 3 * GIB < size < 3750 * MIB      # much more than the fixed step, cut at the room
    assert size <= fs.f_blocks * fs.f_frsize * 9 // 10
    assert pool.status()["data_total_blocks"] * 65536 == size


def test_a_grow_ahead_of_the_fill_stopped_at_its_maximum_is_no_alarm(make_thin_pool):
    """Under its high mark, data grows only because Docker's floor is near (the brake); at
    max_data_size that is nothing to do, not a critical refusal (a replay paged at 45.7% used)."""
    pool = make_thin_pool(data_size=GIB, meta_size=64 * MIB)
    ctx, observer = context(pool_config(pool, GROW.format("10%") + "    max_data_size: 1G\n"), with_docker=False)
    look = observer.snapshot()
    look = look._replace(pools=tuple(p._replace(min_free_bytes=GIB // 10) if p.watched else p for p in look.pools))
    result = grow(look, ctx._replace(data_fill_rate=8 * MIB))          # the floor in ~115 s
    assert (result.outcome, result.critical) == (NOTHING_TO_DO, False), result
    assert result.summary.startswith("not growing ahead of the fill: not growing data of " + pool.name)
    assert "maximum" in result.summary
    assert os.stat(pool.data_file).st_size == GIB


def test_grow_dry_run_changes_nothing_but_says_what_it_would_do(make_thin_pool):
    pool = make_thin_pool(data_size=GIB)
    before = pool.status(), out("dmsetup table " + pool.name)
    result = grow_now(pool, GROW.format("10%"), dry_run=True)
    assert result.outcome == DRY_RUN
    assert result.summary.startswith("would grow data 1 GiB -> 1.5 GiB of {}".format(pool.name))
    assert (pool.status(), out("dmsetup table " + pool.name)) == before
    assert os.stat(pool.data_file).st_size == GIB


def test_oneshot_grow_dry_run_through_the_cli(make_thin_pool, guardian):
    pool = make_thin_pool(data_size=GIB)
    guardian.write_config(pool_config(pool, GROW.format("10%")))
    before = pool.status()
    proc = guardian.cli("grow", "--dry-run")
    assert proc.stdout.startswith("grow: dry-run: would grow data 1 GiB -> 1.5 GiB of " + pool.name)
    assert "command.skipped" in proc.stderr and "truncate -s 1610612736" in proc.stderr
    assert pool.status() == before


def test_direct_lvm_grow_extends_the_pool_lv(lvm_thin_pool, capfd):
    pool = LvmPool(lvm_thin_pool)
    before = pool.bytes()
    result = grow_now(pool, GROW.format("256M"))
    assert result.outcome == DONE, result.summary
    assert pool.bytes() == before + before // 2
    assert "and rw" in result.summary
    logged = capfd.readouterr().err
    assert "argv=lvs " in logged and "argv=lvm config " in logged
    assert "argv=lvextend --config activation{monitoring=0} -l +" in logged


def test_direct_lvm_grow_leaves_the_pool_unmonitored_when_it_was(lvm_thin_pool):
    """lvextend would otherwise register the pool with dmeventd (lvm.conf has monitoring = 1)."""
    pool = LvmPool(lvm_thin_pool)
    sh("lvchange --monitor n " + pool.lv)
    result = grow_now(pool, GROW.format("256M"))
    assert result.outcome == DONE, result.summary
    assert out("lvs --noheadings -o seg_monitor " + pool.lv) == "not monitored"


def test_direct_lvm_grow_keeps_a_monitored_pool_monitored(lvm_thin_pool):
    pool = LvmPool(lvm_thin_pool)
    sh("lvchange --monitor y " + pool.lv)
    assert grow_now(pool, GROW.format("256M")).outcome == DONE
    assert out("lvs --noheadings -o seg_monitor " + pool.lv) == "monitored"


def test_autoextend_with_monitoring_turned_off_lets_the_daemon_grow(lvm_thin_pool):
    """An autoextend profile without dmeventd's monitoring: nobody else grows the pool."""
    pool = LvmPool(lvm_thin_pool)
    autoextend_profile(pool)
    sh("lvchange --monitor n " + pool.lv)
    before = pool.bytes()
    result = grow_now(pool, GROW.format("256M"))
    assert result.outcome == DONE, result.summary
    assert pool.bytes() > before


def test_a_profile_changed_between_grows_counts_at_the_next(lvm_thin_pool):
    """Each grow asks LVM for the threshold: a profile rewritten since the last grow is seen."""
    pool = LvmPool(lvm_thin_pool)
    autoextend_profile(pool, threshold=100)
    ctx, observer = context(pool_config(pool) + GROW.format("256M"), with_docker=False)
    job = lvm_grow_for(observer.snapshot().pool, "data", ctx.settings, ctx.host)
    assert isinstance(job, LvmGrow), job
    write_profile(threshold=80)
    job = lvm_grow_for(observer.snapshot().pool, "data", ctx.settings, ctx.host)
    assert isinstance(job, Refusal) and not job.critical and "thin_pool_autoextend_threshold=80" in job.reason


def autoextend_profile(pool, threshold=80):
    """LVM set to grow the pool itself at 80%: a profile on the pool LV, monitored."""
    write_profile(threshold)
    sh("lvchange --metadataprofile bed-autoextend {0} && lvchange --monitor y {0}".format(pool.lv))


def write_profile(threshold):
    os.makedirs("/etc/lvm/profile", exist_ok=True)
    with open("/etc/lvm/profile/bed-autoextend.profile", "w") as handle:
        handle.write("activation {{\n  thin_pool_autoextend_threshold = {}\n  thin_pool_autoextend_percent = 20\n}}\n".format(
            threshold))


def test_a_monitored_pool_whose_threshold_lvm_cannot_give_is_not_grown(lvm_thin_pool):
    """Its profile removed: `lvm config` fails for it, so nobody can tell whether dmeventd grows it."""
    pool = LvmPool(lvm_thin_pool)
    autoextend_profile(pool)
    os.unlink("/etc/lvm/profile/bed-autoextend.profile")
    before = pool.bytes()
    result = grow_now(pool, GROW.format("256M"))
    assert result.outcome == REFUSED and result.critical, result.summary
    assert "LVM monitors {} but `lvm config` gave no thin_pool_autoextend_threshold (profile bed-autoextend)".format(
        pool.lv) in result.summary
    assert pool.bytes() == before


@contextlib.contextmanager
def monitoring_off_in_lvm_conf():
    """activation/monitoring = 0 for every LVM command, as a host may set it (lvmlocal.conf)."""
    path = "/etc/lvm/lvmlocal.conf"
    with open(path) as handle:
        before = handle.read()
    with open(path, "a") as handle:
        handle.write("activation {\n\tmonitoring = 0\n}\n")
    try:
        yield
    finally:
        with open(path, "w") as handle:
            handle.write(before)


def test_a_pool_monitored_by_hand_is_left_to_lvm_when_lvm_conf_turns_monitoring_off(lvm_thin_pool):
    """With monitoring = 0, lvs reports no seg_monitor at all unless asked with monitoring on; a
    pool registered by `lvchange --monitor y` and autoextended is still dmeventd's to grow."""
    pool = LvmPool(lvm_thin_pool)
    with monitoring_off_in_lvm_conf():
        autoextend_profile(pool)
        assert out("lvs --noheadings -o seg_monitor " + pool.lv) == ""
        assert out("lvs --config activation{monitoring=1} --noheadings -o seg_monitor " + pool.lv) == "monitored"
        before = pool.bytes()
        result = grow_now(pool, GROW.format("256M"))
        sh("lvchange --monitor n " + pool.lv)
    assert result.outcome == REFUSED, result.summary
    assert "LVM monitors {} with thin_pool_autoextend_threshold=80".format(pool.lv) in result.summary
    assert pool.bytes() == before


def test_direct_lvm_grow_refuses_a_pool_lvm_autoextends(lvm_thin_pool):
    pool = LvmPool(lvm_thin_pool)
    autoextend_profile(pool)
    before = pool.bytes()
    result = grow_now(pool, GROW.format("256M"))
    assert result.outcome == REFUSED, result.summary
    assert "LVM monitors {} with thin_pool_autoextend_threshold=80 (profile bed-autoextend)".format(
        pool.lv) in result.summary
    assert pool.bytes() == before
