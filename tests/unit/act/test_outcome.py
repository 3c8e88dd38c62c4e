"""One busy container among four removals is a rung partly done, not a failed one."""
from guardian.act.base import DONE, DRY_RUN, FAILED, PARTLY_DONE, ActionResult, outcome_of


def test_some_done_and_some_failed_is_partly_done_and_counts_as_run():
    assert outcome_of(["a", "b", "c"], ["d: device or resource busy"], False) == PARTLY_DONE
    assert ActionResult("prune_containers", PARTLY_DONE, "").succeeded


def test_nothing_done_and_something_failed_is_a_failure():
    assert outcome_of([], ["d: busy"], False) == FAILED
    assert not ActionResult("prune_containers", FAILED, "").succeeded


def test_all_done_is_done_or_dry_run():
    assert outcome_of(["a"], [], False) == DONE
    assert outcome_of([], [], True) == DRY_RUN
