"""The action lock: a second actor is refused with the holder's pid, and it dies with its holder."""
import os

import pytest

from guardian.host.lock import LockBusy, action_lock


def test_second_actor_is_refused_naming_the_holder(tmp_path):
    path = str(tmp_path / "act.lock")
    with action_lock(path):
        with pytest.raises(LockBusy) as err:
            with action_lock(path):
                pass
    assert "held by pid {}".format(os.getpid()) in str(err.value)
    with action_lock(path):
        pass
