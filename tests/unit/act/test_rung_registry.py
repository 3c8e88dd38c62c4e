"""One list of rungs: the config's names (what ladder.order may hold) are exactly the rungs act/
has, so the engine never meets a configured rung it cannot run."""
from guardian.act import RUNGS
from guardian.config.schema import RUNGS as CONFIGURED


def test_every_configured_rung_is_an_action_and_every_action_is_configurable():
    assert sorted(RUNGS) == sorted(CONFIGURED)
