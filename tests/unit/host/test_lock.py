"""The action lock: a second actor is refused with the holder's pid, and it dies with its holder."""
import os

import pytest

import stat

from guardian.errors import GuardianError
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


def test_planted_symlink_never_gets_the_pid_written_into_its_target(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    lock_dir = tmp_path / "run"
    lock_dir.mkdir(mode=0o700)
    os.symlink(str(victim), str(lock_dir / "act.lock"))
    with pytest.raises(GuardianError) as err:
        with action_lock(str(lock_dir / "act.lock")):
            pass
    assert str(err.value) == "lock {}: a symlink: refused".format(lock_dir / "act.lock")
    assert victim.read_text() == "precious\n"


def test_lock_directory_is_created_private(tmp_path):
    path = tmp_path / "run" / "act.lock"
    with action_lock(str(path)):
        pass
    assert stat.S_IMODE(os.stat(str(path.parent)).st_mode) == 0o700


def test_lock_in_a_directory_others_may_write_is_refused(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    os.chmod(str(folder), 0o777)
    with pytest.raises(GuardianError) as err:
        with action_lock(str(folder / "act.lock")):
            pass
    assert str(err.value) == "directory {}: writable by group or others (mode 0777): refused".format(folder)


def test_lock_directory_that_is_a_symlink_is_refused(tmp_path):
    real = tmp_path / "elsewhere"
    real.mkdir(mode=0o700)
    os.symlink(str(real), str(tmp_path / "run"))
    with pytest.raises(GuardianError) as err:
        with action_lock(str(tmp_path / "run" / "act.lock")):
            pass
    assert "not a directory (a symlink or a file): refused" in str(err.value)
    assert not (real / "act.lock").exists()


def test_lock_file_that_is_a_fifo_is_refused_without_hanging(tmp_path):
    os.mkfifo(str(tmp_path / "act.lock"))
    with pytest.raises(GuardianError) as err:
        with action_lock(str(tmp_path / "act.lock")):
            pass
    assert str(err.value) == "lock {}: not a regular file: refused".format(tmp_path / "act.lock")
