"""Which commands may run in-process through liblvm2cmd, and as what command line.

Running them is proven in the test bed (tests/integration/test_host_lvm_library.py): this host
has no device-mapper.
"""
from guardian.host.lvm_library import command_line, quiet_line


def test_lvm_commands_become_lvm2_run_lines():
    assert command_line(("lvs", "--noheadings", "-o", "vg_free", "vg/pool")) == "lvs --noheadings -o vg_free vg/pool"
    assert command_line(("lvextend", "-l", "+16", "vg/pool")) == "lvextend -l +16 vg/pool"


def test_lvm_config_drops_the_lvm_word():
    assert command_line(("lvm", "config", "--type", "full", "activation/x")) == "config --type full activation/x"


def test_other_commands_stay_processes():
    assert command_line(("dmsetup", "status")) is None
    assert command_line(("lvremove", "vg/pool")) is None


def test_a_word_lvm2_run_would_split_stays_a_process():
    assert command_line(("lvs", "-o", "lv_name, vg_name")) is None
    assert command_line(("lvs", "")) is None
    assert command_line(("lvm",)) is None


def test_a_profile_option_stays_a_process_its_profile_would_stick_in_the_library():
    assert command_line(("lvm", "config", "--metadataprofile", "p80", "activation/x")) is None
    assert command_line(("lvs", "--commandprofile=p", "vg/pool")) is None
    assert command_line(("lvm", "config", "--type", "full", "activation/x")) is not None


def test_a_quiet_command_gets_its_log_settings_in_its_own_config():
    quiet = quiet_line("lvextend --config activation{monitoring=0} -l +16 vg/pool", "/run/x/errors")
    words = quiet.split()
    assert words[:2] == ["lvextend", "--config"] and words[3:] == ["-l", "+16", "vg/pool"]
    assert words[2].startswith('activation{monitoring=0}log{file="/run/x/errors"}')
    assert "log{level=3}" in words[2] and "log{verbose=-2}" in words[2]


def test_a_quiet_command_without_config_gets_one():
    words = quiet_line("lvextend -l +16 vg/pool", "/run/x/errors").split()
    assert words[0:2] == ["lvextend", "--config"] and words[3:] == ["-l", "+16", "vg/pool"]
