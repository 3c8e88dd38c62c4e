"""A rung beside the main thread: the watchdog is fed while the rung moves on, not once it stalls."""
import threading
import time

from guardian.daemon.rung_thread import run_beside


def test_the_rung_s_result_comes_back_and_the_watchdog_is_fed_while_it_moves_on():
    feeds = []

    def rung(progressed):
        for _ in range(20):
            time.sleep(0.01)
            progressed()
        return "done"
    assert run_beside(rung, lambda: feeds.append(1), every=0.02, stall_limit=1.0, name="rung-test") == "done"
    assert feeds


def test_a_rung_stuck_past_its_longest_step_is_no_longer_fed():
    feeds, release = [], threading.Event()
    started = time.monotonic()

    def stuck(progressed):
        release.wait(0.5)           # never calls progressed(): past stall_limit it looks hung
        return "late"
    run_beside(stuck, lambda: feeds.append(time.monotonic() - started), every=0.02, stall_limit=0.1, name="rung-test")
    assert feeds and max(feeds) < 0.3


def test_the_rung_runs_in_its_own_named_thread():
    names = []
    run_beside(lambda progressed: names.append(threading.current_thread().name), lambda: None, every=0.01,
               stall_limit=1.0, name="rung-prune_containers")
    assert names == ["rung-prune_containers"]
