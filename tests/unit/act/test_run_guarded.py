"""An action's bug is a failed result and an action.crashed entry, in the daemon and the one-shot
commands alike (one crash guard: guardian.act.base.run_guarded)."""
from types import SimpleNamespace

from guardian.act.base import DONE, FAILED, ActionResult, run_guarded


class Log:
    def __init__(self):
        self.entries = []

    def exception(self, event, **fields):
        self.entries.append((event, fields))


def test_a_crashing_action_is_a_failed_result_and_is_logged():
    ctx = SimpleNamespace(log=Log())
    result = run_guarded("grow", lambda snapshot, ctx: {}["missing"], None, ctx)
    assert (result.rung, result.outcome, result.summary) == ("grow", FAILED, "KeyError: 'missing'")
    assert ctx.log.entries == [("action.crashed", {"rung": "grow"})]


def test_an_action_that_returns_is_left_alone():
    ctx = SimpleNamespace(log=Log())
    done = ActionResult("fstrim", DONE, "trimmed")
    assert run_guarded("fstrim", lambda snapshot, ctx: done, None, ctx) is done and not ctx.log.entries
