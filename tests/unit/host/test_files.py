"""write_atomic: whole files, never written through a planted symlink, no guessable temp names."""
import os
import stat

import pytest

from guardian.host.files import write_atomic


def test_writes_the_file_whole_with_its_mode_and_leaves_no_temp(tmp_path):
    path = tmp_path / "memory.json"
    write_atomic(str(path), "{}\n", 0o640)
    assert path.read_text() == "{}\n"
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o640
    assert os.listdir(str(tmp_path)) == ["memory.json"]


@pytest.mark.parametrize("planted", [".memory.json.pool-guardian-tmp", "memory.json"])
def test_a_planted_link_is_never_written_through(tmp_path, planted):
    """At the old fixed temp name, or at the path itself (rename replaces the link)."""
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    os.symlink(str(victim), str(tmp_path / planted))
    write_atomic(str(tmp_path / "memory.json"), "new\n", 0o600)
    assert victim.read_text() == "precious\n"
    assert (tmp_path / "memory.json").read_text() == "new\n"
    assert not os.path.islink(str(tmp_path / "memory.json"))
