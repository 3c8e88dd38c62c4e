"""A bare pool, as installed: pool-guardian.service from the RPM under the el7 profile (el7.py)
resumes a pool suspended behind its back, and a `systemctl stop` in the middle of a grow leaves a
pool that the next start finishes, its data unchanged."""
import os

import pytest

from tests.integration.bedlib import out, sh
from tests.integration.bedlib.guardian import BARE_POOL_CONFIG
from tests.integration.bedlib.pools import ThinPool, wait_until
from tests.integration.systemd import el7
from tests.integration.systemd.el7 import journal

CONFIG = "mode: enforce\n" + BARE_POOL_CONFIG + "schedule:\n  poll_interval: 2s\n"
GROW = "ladder:\n  order: [grow]\n  prune_containers:\n    enabled: false\n  fstrim:\n    enabled: false\n  grow:\n    enabled: true\n"


@pytest.fixture
def bare_pool():
    previous_python = el7.install()
    pool = ThinPool(data_size=128 << 20)
    try:
        yield pool
    finally:
        el7.uninstall(previous_python)
        pool.destroy()


def configure(pool, extra=""):
    with open(el7.CONFIG, "w", encoding="utf-8") as f:
        f.write(CONFIG.format(pool=pool.name) + extra)


def start():
    sh("systemctl start " + el7.UNIT, timeout=240)     # returns once READY=1 arrived


def test_the_service_resumes_a_pool_suspended_behind_its_back(bare_pool):
    """Under the unit's capability bounding set: the resume is an ioctl that needs CAP_SYS_ADMIN."""
    pool = bare_pool
    configure(pool)
    start()
    sh("dmsetup suspend " + pool.name)
    resumed = wait_until(lambda: "SUSPENDED" not in out("dmsetup info " + pool.name), timeout=30, interval=0.5)
    assert resumed, out("journalctl -u {} --no-pager -n 30".format(el7.UNIT), check=False)
    this_pool = "POOL=" + pool.name          # the pool's name is this test's own
    warned = wait_until(lambda: journal("-u", el7.UNIT, "EVENT=pool.suspended", this_pool), timeout=30)
    assert warned, out("journalctl -u {} --no-pager -n 30 -o verbose".format(el7.UNIT), check=False)
    assert warned[0]["PRIORITY"] == "4" and warned[0]["DEVICES"] == pool.name
    assert wait_until(lambda: [e for e in journal("-u", el7.UNIT, "EVENT=action.finished", "RUNG=recover", this_pool)
                               if "resumed " + pool.name in e["MESSAGE"]], timeout=30)


def test_a_stop_in_the_middle_of_a_grow_leaves_a_sound_pool_that_the_next_start_finishes(bare_pool):
    """`systemctl stop` as soon as the data file has grown, wherever in the grow that lands: after
    the next start the pool is active, as large as its file, and a thin volume's data unchanged."""
    pool = bare_pool
    thin = pool.create_thin(256 << 20)
    sh("dd if=/dev/urandom of={} bs=1M count=110 oflag=direct status=none".format(thin.path))   # 86%
    digest = out("head -c {} {} | sha256sum".format(110 << 20, thin.path))
    configure(pool, GROW)
    size = os.stat(pool.data_file).st_size
    start()
    assert wait_until(lambda: os.stat(pool.data_file).st_size > size, timeout=120, interval=0.01)
    sh("systemctl stop " + el7.UNIT, timeout=60)
    start()

    def sound():
        table = out("dmsetup table " + pool.name).split()
        info = out("dmsetup info " + pool.name)
        return int(table[1]) * 512 == os.stat(pool.data_file).st_size and \
            "SUSPENDED" not in info and "INACTIVE" not in info
    assert wait_until(sound, timeout=60, interval=0.5), out("journalctl -u {} -n 40".format(el7.UNIT), check=False)
    assert pool.status()["mode"] == "rw"
    assert out("head -c {} {} | sha256sum".format(110 << 20, thin.path)) == digest


def test_the_services_doctor_fails_a_pool_whose_metadata_runs_out_before_its_data():
    """Docker's shape on a bare pool with 1 MiB of metadata (test_metadata_headroom.py's): one round of
    image, layers and containers, and the projection says metadata runs out near 90% data. In observe
    mode nothing grows it: FAIL, the verdict's risky_setting, through the unit."""
    from tests.integration.bedlib.sharing import LayeredFill
    previous_python = el7.install()
    pool = ThinPool(data_size=512 << 20, meta_size=1 << 20)
    try:
        LayeredFill(pool).round(0)
        with open(el7.CONFIG, "w", encoding="utf-8") as f:
            f.write(CONFIG.replace("mode: enforce", "mode: observe").format(pool=pool.name))
        start()
        found = wait_until(lambda: journal("-u", el7.UNIT, "EVENT=doctor.finding", "CHECK=metadata_headroom",
                                           "_PID=" + el7.show("MainPID")), 120)
        assert found and found[0]["STATUS"] == "FAIL", found
        assert "metadata runs out at ~" in found[0]["MESSAGE"], found[0]["MESSAGE"]
        raised = wait_until(lambda: journal("-u", el7.UNIT, "EVENT=condition.raised", "CONDITION=risky_setting",
                                            "SUBJECT=metadata_headroom"), 60)
        assert raised and raised[-1]["SEVERITY"] == "warning", raised
    finally:
        el7.uninstall(previous_python)
        pool.destroy()
