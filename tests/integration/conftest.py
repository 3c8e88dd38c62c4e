"""Fixtures for the integration tests, which run INSIDE the test-bed guest (make bed-test).

  make_thin_pool(**kw) -> ThinPool     bare dm-thin pool on loop files (bedlib/pools.py for kw)
  thin_pool                             one default pool: 256 MiB data, 64 KiB blocks
  docker_loop_lvm                       Dockerd on a small loop-lvm pool, bed/busybox imported
  make_docker_loop_lvm(data_size=, meta_size=, base_size=) -> Dockerd
  docker_direct_lvm                     Dockerd on an LVM thin pool (loop PV), dm.thinpooldev
  guardian                              Guardian: .cli(...), .status_json(), .start_daemon(...)

All are function-scoped: every test gets fresh pools and a fresh data root, and each fixture's
teardown checks that nothing is left suspended or attached.
"""

import pytest

from tests.integration.bedlib import in_guest
from tests.integration.bedlib.docker import Dockerd, LvmThinPool
from tests.integration.bedlib.guardian import Guardian, forget_daemon_state
from tests.integration.bedlib.pools import ThinPool, leftovers, suspended_devices


@pytest.fixture(autouse=True)
def _bed_guest_only(request):
    # These tests need the guest's kernel (dm-thin, loop) and must fail, not skip, elsewhere.
    if not in_guest():
        pytest.fail("integration tests run inside the test bed guest: make bed-test T={}".format(request.node.nodeid),
                    pytrace=False)


def _assert_clean(prefix):
    left = leftovers(prefix)
    assert not left, "teardown left devices behind: {}".format(left)
    assert not suspended_devices(), "teardown left suspended devices: {}".format(suspended_devices())


@pytest.fixture
def make_thin_pool():
    made = []

    def make(**kwargs):
        made.append(ThinPool(**kwargs))
        return made[-1]
    yield make
    for pool in reversed(made):
        pool.destroy()
    for pool in made:
        _assert_clean(pool.name)


@pytest.fixture
def thin_pool(make_thin_pool):
    return make_thin_pool()


@pytest.fixture
def make_docker_loop_lvm():
    started = []

    def make(data_size="1G", meta_size="64M", base_size="1G", extra_opts=()):
        opts = ["dm.loopdatasize=" + data_size, "dm.loopmetadatasize=" + meta_size, "dm.basesize=" + base_size]
        started.append(Dockerd(opts + list(extra_opts)))
        return started[-1]
    yield make
    for dockerd in started:
        dockerd.stop()
    _assert_clean("docker-")


@pytest.fixture
def docker_loop_lvm(make_docker_loop_lvm):
    return make_docker_loop_lvm()


@pytest.fixture
def lvm_thin_pool():
    pool = LvmThinPool()
    yield pool
    pool.destroy()
    _assert_clean(pool.vg)


@pytest.fixture
def docker_direct_lvm(lvm_thin_pool):
    dockerd = Dockerd(["dm.thinpooldev=" + lvm_thin_pool.path, "dm.basesize=512M"])
    dockerd.lvm = lvm_thin_pool
    yield dockerd
    dockerd.stop()


@pytest.fixture
def guardian(tmp_path):
    g = Guardian(str(tmp_path))
    yield g
    g.stop_daemons()
    forget_daemon_state()
