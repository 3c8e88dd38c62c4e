"""write_atomic: whole files, never written through a planted symlink, no guessable temp names."""
import os
import stat

from guardian.host.files import write_atomic


def test_writes_the_file_whole_with_its_mode_and_leaves_no_temp(tmp_path):
    path = tmp_path / "memory.json"
    write_atomic(str(path), "{}\n", 0o640)
    assert path.read_text() == "{}\n"
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o640
    assert os.listdir(str(tmp_path)) == ["memory.json"]


def test_a_link_at_the_old_fixed_temp_name_is_not_followed(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    os.symlink(str(victim), str(tmp_path / ".memory.json.pool-guardian-tmp"))
    write_atomic(str(tmp_path / "memory.json"), "new\n", 0o600)
    assert victim.read_text() == "precious\n"
    assert (tmp_path / "memory.json").read_text() == "new\n"


def test_a_link_at_the_path_is_replaced_not_followed(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    os.symlink(str(victim), str(tmp_path / "memory.json"))
    write_atomic(str(tmp_path / "memory.json"), "new\n", 0o600)
    assert victim.read_text() == "precious\n"
    assert not os.path.islink(str(tmp_path / "memory.json"))
