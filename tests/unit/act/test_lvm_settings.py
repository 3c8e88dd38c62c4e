"""LVM's settings read with the pool LV hold while the files they come from are as they were."""
from guardian.act.grow_lvm import LvmSettings, config_sources


def settings_of(tmp_path, profile_file=None):
    return LvmSettings(100, config_sources(str(tmp_path), profile_file))


def test_settings_hold_while_no_configuration_file_changes(tmp_path):
    (tmp_path / "lvm.conf").write_text("activation {}\n")
    assert settings_of(tmp_path).still_current()


def test_an_edited_lvm_conf_is_a_change(tmp_path):
    conf = tmp_path / "lvm.conf"
    conf.write_text("activation {}\n")
    settings = settings_of(tmp_path)
    conf.write_text("activation { thin_pool_autoextend_threshold = 80 }\n")
    assert not settings.still_current()


def test_an_lvmlocal_conf_added_is_a_change(tmp_path):
    (tmp_path / "lvm.conf").write_text("activation {}\n")
    settings = settings_of(tmp_path)
    (tmp_path / "lvmlocal.conf").write_text("activation { thin_pool_autoextend_threshold = 80 }\n")
    assert not settings.still_current()


def test_a_profile_written_after_the_read_is_a_change(tmp_path):
    profile = tmp_path / "profile" / "docker-thinpool.profile"
    settings = settings_of(tmp_path, str(profile))
    profile.parent.mkdir()
    profile.write_text("activation { thin_pool_autoextend_threshold = 80 }\n")
    assert not settings.still_current()


def test_files_other_than_conf_files_do_not_count(tmp_path):
    (tmp_path / "archive").mkdir()
    settings = settings_of(tmp_path)
    (tmp_path / "archive" / "vg_00001.vg").write_text("")
    assert settings.still_current()


def test_an_unreadable_system_directory_leaves_the_sources_unknown(tmp_path):
    settings = LvmSettings(100, config_sources(str(tmp_path / "missing"), None))
    assert settings.sources is None and not settings.still_current()
