"""Events only wake the engine: a burst coalesces, an event during an evaluation queues one more."""
import threading

from guardian.daemon.wake import Wakeup


def test_a_burst_of_events_is_one_wakeup():
    wake = Wakeup()
    for _ in range(50):
        wake.request("udev-change")
    wake.request("dm-event")
    assert wake.wait(0) == {"udev-change", "dm-event"}
    assert wake.wait(0) == frozenset()


def test_an_event_during_an_evaluation_queues_exactly_one_more():
    wake = Wakeup()
    wake.request("poll")
    evaluations = 0
    while wake.wait(0):
        evaluations += 1
        if evaluations == 1:             # events arriving while the first evaluation runs
            wake.request("dm-event")
            wake.request("dm-event")
    assert evaluations == 2


def test_wait_returns_as_soon_as_another_thread_requests():
    wake = Wakeup()
    timer = threading.Timer(0.05, wake.request, args=["dm-event"])
    timer.start()
    assert wake.wait(5) == {"dm-event"}
    timer.join()
