"""`diagnose` takes captures as support receives them: files, stdin (`-`), a sosreport folder or
the tarball sos wrote, read in memory with no link followed. The captures are corpus files."""
import io
import os
import tarfile
import threading

import pytest

from guardian.cli import main
from guardian.errors import GuardianError
from guardian.tools import diagnose as diagnose_module
from guardian.tools.diagnose import diagnose
from tests.unit.observe.conftest import CORPUS

REPORT = "sosreport-atomic-00-2015-05-26-abcdef"
CAPTURES = {"sos_commands/docker/docker_info": ("docker-info", "001.txt"),
            "sos_commands/devicemapper/dmsetup_status": ("dmsetup-status", "001.txt"),
            "sos_commands/devicemapper/dmsetup_table": ("dmsetup-table", "005.txt")}


def corpus_bytes(kind, name):
    with open(os.path.join(CORPUS, kind, name), "rb") as handle:
        return handle.read()


def add(archive, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def tarball(path, mode="w:xz"):
    with tarfile.open(str(path), mode) as archive:
        for name, sample in CAPTURES.items():
            add(archive, REPORT + "/" + name, corpus_bytes(*sample))
    return str(path)


def folder(root):
    for name, sample in CAPTURES.items():
        path = root / REPORT / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(corpus_bytes(*sample))
    return str(root)


def figures(snapshot):
    pool = snapshot.pool
    return pool.name, pool.effective_free_bytes, snapshot.docker.data_available_bytes, len(snapshot.problems)


@pytest.mark.parametrize("mode, suffix", [("w:xz", ".tar.xz"), ("w:gz", ".tar.gz"), ("w:bz2", ".tar.bz2"),
                                          ("w", ".tar")])
def test_a_sosreport_tarball_reads_as_its_folder(tmp_path, mode, suffix):
    unpacked = diagnose(sosreport=folder(tmp_path / "unpacked"))
    packed = diagnose(sosreport=tarball(tmp_path / ("report" + suffix), mode))
    assert figures(packed) == figures(unpacked) == ("docker-253:0-278707-pool", 3828913500, 3827000000, 1)
    assert packed.problems[0].startswith("dmsetup table: thin-pool docker-253:1-153295518-pool")


def test_a_sosreport_tarball_reads_from_stdin(tmp_path):
    with open(tarball(tmp_path / "report.tar.xz"), "rb") as handle:
        snapshot = diagnose(sosreport="-", stdin=handle)
    assert figures(snapshot) == ("docker-253:0-278707-pool", 3828913500, 3827000000, 1)


def test_a_link_in_the_tarball_is_not_followed(tmp_path):
    link = tarfile.TarInfo(REPORT + "/sos_commands/devicemapper/dmsetup_status")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/shadow"
    path = str(tmp_path / "report.tar")
    with tarfile.open(path, "w") as archive:
        add(archive, REPORT + "/sos_commands/docker/docker_info", corpus_bytes("docker-info", "001.txt"))
        archive.addfile(link)
    assert diagnose(sosreport=path).problems[0] == "dmsetup status {}:{}: a link in the archive, not followed".format(
        path, link.name)


def test_a_link_out_of_an_unpacked_report_is_not_followed(tmp_path):
    root = folder(tmp_path)
    status = tmp_path / REPORT / "sos_commands/devicemapper/dmsetup_status"
    status.unlink()
    status.symlink_to(os.path.join(CORPUS, "dmsetup-status", "001.txt"))
    assert diagnose(sosreport=root).problems[0] == "dmsetup status {}: a link, not followed".format(status)


def test_an_archive_cut_short_keeps_the_captures_before_the_cut(tmp_path):
    path = tmp_path / "report.tar.gz"
    with tarfile.open(str(path), "w:gz") as archive:
        add(archive, REPORT + "/sos_commands/docker/docker_info", corpus_bytes("docker-info", "001.txt"))
        add(archive, REPORT + "/sos_commands/filler", os.urandom(200000))   # does not compress
        add(archive, REPORT + "/sos_commands/devicemapper/dmsetup_status", corpus_bytes("dmsetup-status", "001.txt"))
    path.write_bytes(path.read_bytes()[:100000])
    snapshot = diagnose(sosreport=str(path))
    assert snapshot.docker.data_available_bytes == 3827000000
    assert "dmsetup status {}: the archive ends early (unexpected end of data) before " \
           "sos_commands/devicemapper/dmsetup_status".format(path) in snapshot.problems


def test_a_sosreport_without_any_capture_is_unknown(tmp_path):
    path = str(tmp_path / "report.tar")
    with tarfile.open(path, "w") as archive:
        add(archive, REPORT + "/sos_commands/docker/docker_ps", b"CONTAINER ID\n")
    with pytest.raises(GuardianError) as caught:
        diagnose(sosreport=path)
    assert str(caught.value) == "diagnose: --sosreport {}: none of sos_commands/docker/docker_info, " \
        "sos_commands/devicemapper/dmsetup_status, sos_commands/devicemapper/dmsetup_table in it".format(path)
    assert caught.value.exit_code == 3


def test_a_fifo_as_sosreport_is_refused_without_hanging(tmp_path):
    path = str(tmp_path / "report.tar.xz")
    os.mkfifo(path)
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(error=_error(lambda: diagnose(sosreport=path))),
                              daemon=True)
    worker.start()
    worker.join(5)
    assert not worker.is_alive()
    assert outcome["error"] == "diagnose: --sosreport {}: neither a folder nor a regular file".format(path)


def _error(call):
    try:
        call()
    except GuardianError as exc:
        return str(exc)


def test_a_capture_reads_from_stdin(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(corpus_bytes("docker-info", "001.txt"))))
    assert main(["diagnose", "--docker-info", "-"]) == 2
    assert capsys.readouterr().out.startswith("verdict: CRITICAL\n  data_usage: data 96.4% ")


def test_stdin_is_read_once_so_only_one_capture_can_be_it(capsys):
    assert main(["diagnose", "--docker-info", "-", "--dmsetup-status", "-"]) == 2
    assert capsys.readouterr().err == "pool-guardian: diagnose: only one capture can be - (stdin is read once)\n"


def test_stdin_past_the_size_limit_is_one_problem_line(monkeypatch):
    monkeypatch.setattr(diagnose_module, "MAX_CAPTURE_BYTES", 100)
    snapshot = diagnose(dmsetup_status="-", stdin=io.BytesIO(corpus_bytes("dmsetup-status", "011.txt")))
    assert snapshot.problems[0] == "dmsetup status stdin: larger than 100 bytes"
