"""in_halves: the second half in a forked child, the same answer when the child cannot give it."""
import os
import signal

from guardian.host.halves import in_halves


def pids_and_items(items):
    return [os.getpid(), list(items)]


def test_the_second_half_runs_in_a_child_and_both_answers_come_back_in_order():
    first, second = in_halves(pids_and_items, list(range(7)))
    assert first == [os.getpid(), [0, 1, 2]]
    assert second[1] == [3, 4, 5, 6] and second[0] != os.getpid()


def test_a_half_that_fails_in_the_child_is_done_here():
    parent = os.getpid()

    def only_here(items):
        if os.getpid() != parent:
            raise RuntimeError("child")
        return sum(items)
    assert in_halves(only_here, [1, 2, 3, 4]) == [3, 7]


def test_an_answer_that_cannot_cross_the_pipe_is_worked_out_here():
    assert in_halves(lambda items: {"set": set(items)}, [1, 2]) == [{"set": {1}}, {"set": {2}}]


def test_a_stop_signal_ends_the_child_instead_of_running_the_daemons_handler():
    parent = os.getpid()
    previous = signal.signal(signal.SIGTERM, lambda *_: None)     # the daemon's: it carries on

    def work(items):
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)
        return os.getpid() == parent
    try:
        assert in_halves(work, [1, 2]) == [True, True]     # the child died of it; its half was done here
    finally:
        signal.signal(signal.SIGTERM, previous)
