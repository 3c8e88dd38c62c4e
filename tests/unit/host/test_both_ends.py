"""from_both_ends: this process takes the list from the front, a forked child from the back; between
them every item is worked on, and the answer is the same when the child cannot give it."""
import os
import signal
import time

from guardian.host.both_ends import from_both_ends


def pids_and_items(items):
    return [os.getpid(), list(items)]


def test_the_front_is_worked_on_here_the_back_in_a_child_and_every_item_in_one_of_them():
    items = list(range(100))
    front, back = from_both_ends(pids_and_items, items)
    assert front[0] == os.getpid() and back[0] != os.getpid()
    assert set(front[1]) | set(back[1]) == set(items)
    assert front[1] == items[:len(front[1])]                # from the front, in order
    assert 99 in back[1] or front[1] == items               # from the back, unless the front got there first


def test_the_end_with_slower_items_gets_fewer_of_them():
    parent = os.getpid()

    def work(items):
        done = []
        for item in items:
            if os.getpid() != parent:
                time.sleep(0.01)       # the child's items are the costly ones
            done.append(item)
        return done
    front, back = from_both_ends(work, list(range(160)))
    assert len(front) > 100 and len(back) < 60


def test_the_part_that_fails_in_the_child_is_done_here():
    parent = os.getpid()

    def only_here(items):
        if os.getpid() != parent:
            raise RuntimeError("child")
        return list(items)
    front, redone = from_both_ends(only_here, list(range(50)))
    assert sorted(set(front) | set(redone)) == list(range(50))


def test_an_answer_that_cannot_cross_the_pipe_is_worked_out_here():
    front, back = from_both_ends(lambda items: {"set": set(items)}, [1, 2])
    assert front["set"] | back["set"] == {1, 2}


def test_a_stop_signal_ends_the_child_instead_of_running_the_daemons_handler():
    parent = os.getpid()
    previous = signal.signal(signal.SIGTERM, lambda *_: None)     # the daemon's: it carries on

    def work(items):
        items = list(items)
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)
        return os.getpid() == parent
    try:
        assert from_both_ends(work, [1, 2]) == [True, True]     # the child died of it; its part was done here
    finally:
        signal.signal(signal.SIGTERM, previous)
