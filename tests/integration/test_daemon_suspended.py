"""A pool suspended behind the daemon's back (a killed tool, an operator's `dmsetup suspend`) is
found at the next look, not only at start: resumed in enforce mode, alerted in observe mode."""
import pytest

from tests.integration.actions_helpers import suspended
from tests.integration.bedlib import sh
from tests.integration.bedlib.guardian import BARE_POOL_CONFIG
from tests.integration.test_daemon import log_lines, wait_for_line

CONFIG = "mode: {mode}\n" + BARE_POOL_CONFIG + """\
events:
  arm_low_water_mark: "no"
schedule:
  poll_interval: 3s
log:
  target: console
  level: debug              # pool.observed: the first look is done
"""
MiB = 1 << 20


def watch_then_suspend(make_thin_pool, guardian, mode):
    pool = make_thin_pool(data_size=256 * MiB)
    guardian.write_config(CONFIG.format(mode=mode, pool=pool.name))
    daemon = guardian.start_daemon()
    wait_for_line(daemon, r"pool\.observed", timeout=60)
    after = len(log_lines(daemon))
    sh("dmsetup suspend " + pool.name)
    return pool, daemon, after


def test_enforce_resumes_a_pool_suspended_by_hand_within_a_poll(make_thin_pool, guardian):
    pool, daemon, after = watch_then_suspend(make_thin_pool, guardian, "enforce")
    wait_for_line(daemon, r"pool\.suspended", after=after, timeout=10)
    wait_for_line(daemon, r"action\.finished .*resumed " + pool.name, after=after, timeout=10)
    assert not suspended(pool.name), log_lines(daemon)[-20:]


@pytest.mark.parametrize("mode", ["observe"])
def test_observe_alerts_and_leaves_the_pool_as_it_is(make_thin_pool, guardian, mode):
    pool, daemon, after = watch_then_suspend(make_thin_pool, guardian, mode)
    try:
        wait_for_line(daemon, r"pool\.suspended", after=after, timeout=10)
        assert suspended(pool.name)
        assert not any("resumed" in line for line in log_lines(daemon)[after:])
    finally:
        sh("dmsetup resume " + pool.name)
