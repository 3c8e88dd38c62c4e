"""The loop every rung with many steps runs (prune, release_mounts, fstrim): stop when asked, feed
the watchdog, try, record the failure and go on, stop early when the rest cannot go either."""
from types import SimpleNamespace

import pytest

from guardian.act.base import STOPPING, Tried, try_each


def context(stop_after=None):
    beats = []
    ctx = SimpleNamespace(heartbeat=lambda: beats.append(1),
                          should_stop=lambda: stop_after is not None and len(beats) >= stop_after)
    return ctx, beats


def attempt(item):
    if item.startswith("bad"):
        raise ValueError(item + " failed")
    return item.upper()


def test_each_item_is_tried_after_a_heartbeat_and_a_failure_does_not_stop_the_rest():
    ctx, beats = context()
    tried = try_each(ctx, ["a", "bad1", "b"], attempt, ValueError)
    assert tried.done == (("a", "A"), ("b", "B"))
    assert [(item, str(exc)) for item, exc in tried.failed] == [("bad1", "bad1 failed")]
    assert tried.stopped_early == "" and len(beats) == 3


def test_a_stopping_daemon_ends_the_loop_before_the_next_item():
    ctx, beats = context(stop_after=1)
    assert try_each(ctx, ["a", "b"], attempt, ValueError) == Tried((("a", "A"),), (), STOPPING)


def test_hold_ends_the_loop_with_its_reason():
    ctx, beats = context()
    tried = try_each(ctx, ["a", "b"], attempt, ValueError, hold=lambda: "enough" if beats else None)
    assert tried == Tried((("a", "A"),), (), "enough")


def test_last_says_when_the_rest_cannot_go_either():
    ctx, _ = context()
    tried = try_each(ctx, ["bad1", "a"], attempt, ValueError, last=lambda exc: "no answer")
    assert tried.done == () and len(tried.failed) == 1 and tried.stopped_early == "no answer"


def test_an_error_not_named_is_not_caught():
    ctx, _ = context()
    with pytest.raises(ValueError):
        try_each(ctx, ["bad"], attempt, KeyError)
