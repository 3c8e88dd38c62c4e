"""direct-lvm, as installed: pool-guardian.service grows Docker's LVM thin pool (lvextend under the
unit's capability bounding set and NoNewPrivileges) once the pool is above its high mark. The el7
profile is test_as_installed.py's (el7.py)."""
import pytest

from tests.integration.bedlib import out, sh
from tests.integration.bedlib.docker import IMAGE, LvmThinPool
from tests.integration.bedlib.pools import suspended_devices
from tests.integration.systemd import el7
from tests.integration.systemd.el7 import docker, journal, wait_for

CONFIG = """\
mode: enforce
watermarks:
  data: {warning: 45%, high: 50%, low: 40%, critical: 90%}
ladder:
  order: [grow]
  prune_containers:
    enabled: false
  fstrim:
    enabled: false
  grow:
    enabled: true
    min_step: 256M
"""


def lv_bytes(lvm):
    return int(out("lvs --noheadings --units b --nosuffix -o lv_size {}/thinpool".format(lvm.vg)))


@pytest.fixture
def lvm_host():
    previous_python = el7.install()
    lvm = LvmThinPool(pool_size="512M")
    try:
        el7.start_docker("--storage-opt dm.thinpooldev=" + lvm.path)
        docker("run", "-d", "--name", "keep-running", "--label", "pool-guardian.keep=true", IMAGE, "sleep", "1000000")
        docker("exec", "keep-running", "dd", "if=/dev/zero", "of=/data", "bs=1M", "count=300", "conv=fsync")
        with open(el7.CONFIG, "w", encoding="utf-8") as f:
            f.write(CONFIG)
        yield lvm
    finally:
        el7.uninstall(previous_python)
        el7.stop_docker()
        lvm.destroy()


def test_the_service_grows_a_direct_lvm_pool_through_lvextend(lvm_host):
    before = lv_bytes(lvm_host)
    try:
        sh("systemctl start " + el7.UNIT, timeout=240)
        this_run = "_PID=" + out("systemctl show -p MainPID --value " + el7.UNIT)   # not test_as_installed's grows
        grown = wait_for(lambda: [e for e in journal("-u", el7.UNIT, "RUNG=grow", this_run)
                                  if e.get("OUTCOME") == "done"], 300,
                         "the service's grow", interval=2)
    except AssertionError:
        print(out("systemctl status -l --no-pager {0}; journalctl -u {0} --no-pager -n 80".format(el7.UNIT),
                  check=False))
        raise
    assert lv_bytes(lvm_host) >= before + (256 << 20), grown[-1]["MESSAGE"]
    assert not suspended_devices()
    assert out("dmsetup status " + lvm_host.dm_name).split()[7] == "rw"

