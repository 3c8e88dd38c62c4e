"""`lvs --nameprefixes` rows and `lvm config` values, as pool-guardian's direct-lvm grow reads them.

Fixtures recorded in the test-bed guest (LVM 2.03.16, Debian 12), 2026-11-24, from
`lvs --noheadings --nameprefixes --units b --nosuffix -o seg_monitor,lv_profile,vg_name,vg_size,
vg_free,vg_extent_size vgp/pool` and `lvm config --type full --file F activation/thin_pool_autoextend_threshold`
(written to a file then; the same lines as on stdout).
"""
from guardian.observe.lvm_report import config_integer, lvm_split, name_prefixed_row, pool_lv, thin_ids
from tests.unit.tools.test_top import captured

MONITORED = ("  LVM2_SEG_MONITOR='monitored' LVM2_LV_PROFILE='' LVM2_VG_NAME='vgp' LVM2_VG_SIZE='4290772992' "
             "LVM2_VG_FREE='3082813440' LVM2_VG_EXTENT_SIZE='4194304'\n")
NOT_MONITORED = ("  LVM2_SEG_MONITOR='not monitored' LVM2_LV_PROFILE='' LVM2_VG_NAME='vgp' "
                 "LVM2_VG_SIZE='4290772992' LVM2_VG_FREE='3082813440' LVM2_VG_EXTENT_SIZE='4194304'\n")
WITH_PROFILE = ("  LVM2_SEG_MONITOR='monitored' LVM2_LV_PROFILE='bed-ae' LVM2_VG_NAME='vgp' "
                "LVM2_VG_SIZE='4290772992' LVM2_VG_FREE='3082813440' LVM2_VG_EXTENT_SIZE='4194304'\n")
# A warning LVM prints (this one from lvextend): never a field, wherever it turns up.
WARNING = "WARNING: Sum of all thin volume sizes (2.00 GiB) exceeds the size of thin pool vgp/pool (1.06 GiB).\n"


def test_a_row_reads_as_lowercase_field_names():
    assert name_prefixed_row(MONITORED) == {
        "seg_monitor": "monitored", "lv_profile": "", "vg_name": "vgp", "vg_size": "4290772992",
        "vg_free": "3082813440", "vg_extent_size": "4194304"}


def test_a_quoted_value_with_a_space_stays_one_value():
    assert name_prefixed_row(NOT_MONITORED)["seg_monitor"] == "not monitored"


def test_the_profile_is_read():
    assert name_prefixed_row(WITH_PROFILE)["lv_profile"] == "bed-ae"


def test_warnings_around_the_row_are_not_fields():
    assert name_prefixed_row(WARNING + MONITORED + WARNING) == name_prefixed_row(MONITORED)


def test_no_row_is_an_empty_dict():
    assert name_prefixed_row(WARNING) == {}
    assert name_prefixed_row("") == {}


def test_the_threshold_as_lvm_config_writes_it():
    assert config_integer("thin_pool_autoextend_threshold=100\n", "thin_pool_autoextend_threshold") == 100
    assert config_integer("thin_pool_autoextend_threshold=80\n", "thin_pool_autoextend_threshold") == 80


def test_a_missing_or_odd_setting_is_none():
    assert config_integer("", "thin_pool_autoextend_threshold") is None
    assert config_integer("thin_pool_autoextend_percent=20\n", "thin_pool_autoextend_threshold") is None
    assert config_integer("thin_pool_autoextend_threshold=\"x\"\n", "thin_pool_autoextend_threshold") is None


def test_lvm_names_undo_the_doubled_dashes():
    assert lvm_split("docker-thinpool_tdata") == ("docker", "thinpool_tdata")
    assert lvm_split("vg--a-thin--pool_tdata") == ("vg-a", "thin-pool_tdata")
    assert pool_lv("docker-thinpool_tdata") == "docker/thinpool"
    assert pool_lv("loop0") is None


def test_thin_ids_are_those_of_the_pools_own_thin_volumes():
    text = ("  WARNING: Not using lvmetad because config setting use_lvmetad=0.\n"
            "  LVM2_VG_NAME='docker' LVM2_LV_NAME='thinpool' LVM2_POOL_LV='' LVM2_THIN_ID=''\n"
            "  LVM2_VG_NAME='docker' LVM2_LV_NAME='keep' LVM2_POOL_LV='thinpool' LVM2_THIN_ID='12'\n"
            "  LVM2_VG_NAME='docker' LVM2_LV_NAME='other' LVM2_POOL_LV='pool2' LVM2_THIN_ID='3'\n")
    assert thin_ids(text, "docker/thinpool") == {12: "docker/keep"}


def test_a_pool_without_lvm_thin_volumes_as_captured_has_no_thin_ids():
    assert thin_ids(captured("lvs-2.03-thin-ids.txt"), "bedvg1/thinpool") == {}
