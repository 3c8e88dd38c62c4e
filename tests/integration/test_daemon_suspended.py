"""A pool suspended behind the daemon's back (a killed tool, an operator's `dmsetup suspend`) is
found at the next look, not only at start: resumed in enforce mode, alerted in observe mode."""
import socket
import time

import pytest

from tests.integration.actions_helpers import suspended
from tests.integration.bedlib import sh
from tests.integration.bedlib.guardian import BARE_POOL_CONFIG
from tests.integration.bedlib.pools import wait_until
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


def test_at_start_a_suspended_pool_is_resumed_before_a_hung_docker_is_asked(make_thin_pool, guardian, tmp_path):
    """dockerd accepts the connection and never answers: the pool is resumed first, not after
    docker_timeout (30 s here)."""
    pool = make_thin_pool(data_size=256 * MiB)
    hung = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    hung.bind(str(tmp_path / "docker.sock"))
    hung.listen(8)                                  # never accepted: no answer, no error
    try:
        config = CONFIG.format(mode="enforce", pool=pool.name).replace(
            "unix:///run/no-docker-here.sock", "unix://" + str(tmp_path / "docker.sock")).replace(
            "docker_timeout: 1s", "docker_timeout: 30s")
        guardian.write_config(config)
        sh("dmsetup suspend " + pool.name)
        started = time.time()
        daemon = guardian.start_daemon()
        assert wait_until(lambda: not suspended(pool.name), timeout=25, interval=0.1), log_lines(daemon)
        assert time.time() - started < 25               # before Docker's 30 s were up
        wait_for_line(daemon, r"action\.finished .*resumed " + pool.name, timeout=10)
        lines = log_lines(daemon)
        assert not any("source=docker" in line for line in lines[:first(lines, "resumed " + pool.name)])
    finally:
        hung.close()


def test_a_one_shot_command_resumes_a_suspended_pool_before_it_acts(make_thin_pool, guardian):
    """No daemon runs: an operator's `pool-guardian trim` puts the pool right first."""
    pool = make_thin_pool(data_size=256 * MiB)
    guardian.write_config(CONFIG.format(mode="enforce", pool=pool.name))
    sh("dmsetup suspend " + pool.name)
    done = guardian.cli("trim", timeout=120)
    assert "recover: done: resumed " + pool.name in done.stdout, done.stdout + done.stderr
    assert not suspended(pool.name)


def first(lines, text):
    return next(i for i, line in enumerate(lines) if text in line)
