"""Finding captures in an unpacked sosreport, by the names sos gives them."""

import os

from guardian.observe.sosreport import find_captures

SOS_FILES = ("sos_commands/docker/docker_info", "sos_commands/docker/docker_ps",
             "sos_commands/devicemapper/dmsetup_status", "sos_commands/devicemapper/dmsetup_table",
             "sos_commands/devicemapper/dmsetup_ls_--tree", "sos_commands/devicemapper/dmsetup_info_-c")


def make_report(root, files=SOS_FILES):
    for relative in files:
        path = os.path.join(str(root), relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write("x\n")
    return str(root)


def expected_paths(root):
    return {"docker_info": os.path.join(root, "sos_commands/docker/docker_info"),
            "dmsetup_status": os.path.join(root, "sos_commands/devicemapper/dmsetup_status"),
            "dmsetup_table": os.path.join(root, "sos_commands/devicemapper/dmsetup_table"),
            "dmsetup_ls": os.path.join(root, "sos_commands/devicemapper/dmsetup_ls_--tree")}


def test_finds_every_capture(tmp_path):
    root = make_report(tmp_path)
    assert find_captures(root) == expected_paths(root)


def test_accepts_the_folder_above_the_report(tmp_path):
    report = make_report(tmp_path / "sosreport-host1-2020-01-01-abcdef")
    assert find_captures(str(tmp_path)) == expected_paths(report)


def test_missing_captures_are_left_out(tmp_path):
    root = make_report(tmp_path, files=("sos_commands/devicemapper/dmsetup_status",))
    assert find_captures(root) == {"dmsetup_status": os.path.join(root, "sos_commands/devicemapper/dmsetup_status")}


def test_not_a_sosreport(tmp_path):
    assert find_captures(str(tmp_path)) == {}
