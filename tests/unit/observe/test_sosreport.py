"""Finding captures in a sosreport, unpacked or a tarball, by the names sos gives them."""

import io
import os
import tarfile

from guardian.observe.sosreport import Member, find_captures, tar_captures

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
            "dmsetup_table": os.path.join(root, "sos_commands/devicemapper/dmsetup_table")}


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


def tarball(members):
    """A tar stream of (TarInfo, bytes or None) pairs."""
    stream = io.BytesIO()
    with tarfile.open(fileobj=stream, mode="w:gz") as archive:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            archive.addfile(info, None if data is None else io.BytesIO(data))
    stream.seek(0)
    return stream


def regular(name, data=b"x\n"):
    return tarfile.TarInfo(name), data


def test_a_tarball_gives_its_captures_with_or_without_the_reports_folder():
    stream = tarball([regular("sosreport-host1-2020-01-01-abcdef/sos_commands/docker/docker_info"),
                      regular("./sos_commands/devicemapper/dmsetup_status"),
                      regular("sosreport-host1-2020-01-01-abcdef/sos_commands/docker/docker_ps")])
    assert tar_captures(stream, 100) == ({
        "docker_info": Member("sosreport-host1-2020-01-01-abcdef/sos_commands/docker/docker_info", b"x\n", None),
        "dmsetup_status": Member("./sos_commands/devicemapper/dmsetup_status", b"x\n", None)}, None)


def test_a_member_past_the_limit_is_refused_unread():
    found, _ = tar_captures(tarball([regular("r/sos_commands/docker/docker_info", b"x" * 101)]), 100)
    assert found["docker_info"] == Member("r/sos_commands/docker/docker_info", None, "larger than 100 bytes")


def test_a_member_that_is_no_file_is_refused():
    folder = tarfile.TarInfo("r/sos_commands/docker/docker_info")
    folder.type = tarfile.DIRTYPE
    hard = tarfile.TarInfo("r/sos_commands/devicemapper/dmsetup_status")
    hard.type, hard.linkname = tarfile.LNKTYPE, "r/sos_commands/docker/docker_ps"
    found, _ = tar_captures(tarball([(folder, None), (hard, None)]), 100)
    assert (found["docker_info"].refused, found["dmsetup_status"].refused) == (
        "not a regular file in the archive", "a link in the archive, not followed")
