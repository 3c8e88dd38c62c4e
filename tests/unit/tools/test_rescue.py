"""rescue's own bookkeeping: mount options, the state file, and where it refuses to mount."""
import pytest

from guardian.cli import main
from guardian.errors import EXIT_USAGE, GuardianError
from guardian.tools import rescue
from guardian.tools.thin_devices import mount_options


@pytest.mark.parametrize("kind, rw, options", [
    ("xfs", False, "ro,nouuid,norecovery"), ("xfs", True, "nouuid"),
    ("ext4", False, "ro,noload"), ("ext4", True, "rw")])
def test_read_only_never_writes_and_xfs_copies_need_nouuid(kind, rw, options):
    assert mount_options(kind, rw) == options


def test_state_is_found_by_id_prefix_or_name(tmp_path, monkeypatch):
    monkeypatch.setattr(rescue, "RESCUE_DIR", str(tmp_path))
    state = rescue.RescueState("ab" * 32, "web", "pool-guardian-rescue-abababababab", "/mnt/x", True, False)
    rescue._write_state(state)
    assert rescue.find_state("abab") == state
    assert rescue.find_state("web") == state
    assert rescue.find_state("/web") == state
    assert rescue.find_state("other") is None


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_text("x"), "not a directory"),
    (lambda p: (p.mkdir(), (p / "f").write_text("x")), "not empty"),
])
def test_refuses_a_mount_point_that_is_a_file_or_not_empty(tmp_path, make, message):
    target = tmp_path / "dir"
    make(target)
    with pytest.raises(GuardianError) as error:
        rescue._make_dir(str(target))
    assert message in str(error.value) and str(target) in str(error.value)


def test_an_existing_empty_directory_is_used_and_not_ours_to_remove(tmp_path):
    assert rescue._make_dir(str(tmp_path)) is False
    assert rescue._make_dir(str(tmp_path / "new")) is True


def test_umount_with_mount_arguments_is_a_one_line_usage_error(capsys):
    assert main(["rescue", "umount", "web", "/mnt/x"]) == EXIT_USAGE
    assert capsys.readouterr().err == \
        "pool-guardian: rescue umount takes only CONTAINER (DIR and --rw are for rescue mount)\n"
