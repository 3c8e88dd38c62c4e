"""A corpus of bad captures for `diagnose`, each with the one problem line an operator sees.

Every one is a real sample from tests/fixtures/corpus (its '# source:' line kept) with one thing
broken, or a shape a stranger's file may take. The rule: a problem line naming the file, never a
traceback, never a pool or Docker figure shown as fine when it is nonsense. The few that must
still read (a BOM, a NUL in a line we ignore, a latin-1 byte in one) are checked by their figures.
"""
import json
import os
import subprocess
import sys
import threading

import pytest

from guardian.cli import main
from guardian.errors import GuardianError
from guardian.tools.diagnose import diagnose
from tests.unit.observe.conftest import CORPUS

def real(kind, name):
    with open(os.path.join(CORPUS, kind, name), encoding="utf-8") as h:
        return h.read()
INFO = real("docker-info", "001.txt")
API = real("info-json", "005.txt")
STATUS = real("dmsetup-status", "001.txt")
TABLE = real("dmsetup-table", "001.txt")
POOL = "docker-253:0-278707-pool: 0 209715200 thin-pool 1 179/524288 4664/1638400 - rw discard_passdown queue_if_no_space "
SOURCE, _, API_BODY = API.partition("\n")
def api_obj():
    return json.loads(API_BODY)
def api(**changes):
    o = api_obj(); o.update(changes); return SOURCE + "\n" + json.dumps(o)
def api_pair(label, value):
    o = api_obj(); o["DriverStatus"] = [p for p in o["DriverStatus"] if p[0] != label] + [[label, value]]
    return SOURCE + "\n" + json.dumps(o)
def st(old, new):
    assert old in STATUS, old
    return STATUS.replace(old, new)
def info(old, new):
    assert old in INFO, old
    return INFO.replace(old, new)


CASES = [
 # name, flag, content (str or bytes)
 ("info-json-bad-escape", "docker_info", '{"Driver": "devicemapper", "DriverStatus": [["Pool Name", "a\\x"]]}'),
 ("info-json-warnings-number", "docker_info", api(Warnings=5)),
 ("info-json-warnings-dict", "docker_info", api(Warnings={"a": 1})),
 ("info-json-driverstatus-string", "docker_info", api(DriverStatus="pool")),
 ("info-json-driverstatus-triples", "docker_info", api(DriverStatus=[["Pool Name", "a", "b"]])),
 ("info-json-driver-number", "docker_info", api(Driver=5)),
 ("info-json-list-of-numbers", "docker_info", "[1, 2, 3]"),
 ("info-json-top-string", "docker_info", '"devicemapper"'),
 ("info-json-deep", "docker_info", "[" * 200000 + "]" * 200000),
 ("info-json-deep-object", "docker_info", '{"a":' * 100000 + "1" + "}" * 100000),
 ("info-json-float-overflow", "docker_info", api_pair("Data Space Used", "1" * 400 + " GB")),
 ("info-json-used-1e999", "docker_info", '{"Driver": "devicemapper", "Containers": 1e999, "DriverStatus": [["Pool Name", "p"]]}'),
 ("info-json-nan", "docker_info", '{"Driver": "devicemapper", "Containers": NaN, "DriverStatus": [["Pool Name", "p"], ["Data Space Used", "NaN GB"]]}'),
 ("info-json-superscript-count", "docker_info", api_pair("Deferred Deleted Device Count", "\u00b2")),
 ("info-json-blocksize-zero", "docker_info", api_pair("Pool Blocksize", "0 B")),
 ("info-json-used-above-total", "docker_info", api_pair("Data Space Used", "500 GB")),
 ("info-json-total-zero", "docker_info", api_pair("Data Space Total", "0 B")),
 ("info-json-size-no-unit", "docker_info", api_pair("Data Space Used", "567")),
 ("info-json-size-word", "docker_info", api_pair("Data Space Total", "lots")),
 ("info-json-overlay2", "docker_info", json.dumps({"Driver": "overlay2", "DriverStatus": [["Backing Filesystem", "extfs"]]})),
 ("info-json-truncated", "docker_info", API[:len(API) // 3]),
 ("info-text-overlay2", "docker_info", info("Storage Driver: devicemapper", "Storage Driver: overlay2")),
 ("info-text-used-truncated", "docker_info", info("Data Space Used: 567.7 MB", "Data Space Used: 567")),
 ("info-text-superscript", "docker_info", info("Udev Sync Supported: true", "Udev Sync Supported: true\n Deferred Deleted Device Count: \u00b2")),
 ("info-text-used-above-total", "docker_info", info("Data Space Used: 567.7 MB", "Data Space Used: 5.37 TB")),
 ("info-text-total-zero", "docker_info", info("Data Space Total: 107.4 GB", "Data Space Total: 0 B")),
 ("info-text-meta-above-total", "docker_info", info("Metadata Space Used: 1.004 MB", "Metadata Space Used: 9 GB")),
 ("info-text-blocksize-zero", "docker_info", info("Pool Blocksize: 65.54 kB", "Pool Blocksize: 0 B")),
 ("info-text-huge-number", "docker_info", info("Data Space Used: 567.7 MB", "Data Space Used: " + "9" * 5000 + " GB")),
 ("info-text-binary", "docker_info", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4),
 ("info-text-empty", "docker_info", ""),
 ("info-text-bom", "docker_info", "\ufeff" + INFO),
 ("info-text-nul", "docker_info", INFO.replace("Images: 3", "Images: 3\x00")),
 ("info-text-latin1", "docker_info", INFO.encode("utf-8").replace(b"Fedora 22", b"Fedora \xe922")),
 ("status-superscript-total", "dmsetup_status", st("4664/1638400", "4664/1638400\u00b2")),
 ("status-superscript-tid", "dmsetup_status", st("thin-pool 1 179", "thin-pool \u00b9 179")),
 ("status-arabic-digit", "dmsetup_status", st("4664/1638400", "4664/\u0661\u0662")),
 ("status-total-zero", "dmsetup_status", st("4664/1638400", "0/0")),
 ("status-meta-total-zero", "dmsetup_status", st("179/524288", "0/0")),
 ("status-used-above-total", "dmsetup_status", st("4664/1638400", "81920000/1638400")),
 ("status-meta-used-above-total", "dmsetup_status", st("179/524288", "600000/524288")),
 ("status-two-unnamed-pools", "dmsetup_status", "0 209715200 thin-pool 1 179/524288 4664/1638400 - rw discard_passdown queue_if_no_space\n0 209715200 thin-pool 1 179/524288 4664/1638400 - rw discard_passdown queue_if_no_space\n"),
 ("status-length-zero", "dmsetup_status", st("pool: 0 209715200", "pool: 0 0")),
 ("status-huge-length", "dmsetup_status", st("pool: 0 209715200", "pool: 0 " + "9" * 400)),
 ("status-huge-blocks", "dmsetup_status", st("4664/1638400", "4664/" + "9" * 400)),
 ("status-garbage", "dmsetup_status", "hello world\n"),
 ("status-empty", "dmsetup_status", ""),
 ("status-only-comments", "dmsetup_status", "# nothing here\n"),
 ("status-binary", "dmsetup_status", bytes(range(256)) * 8),
 ("table-block-size-zero", "dmsetup_table", TABLE.replace("7:1 7:0 128 32768", "7:1 7:0 0 32768")),
 ("table-block-size-odd", "dmsetup_table", TABLE.replace("7:1 7:0 128 32768", "7:1 7:0 100 32768")),
 ("table-superscript-block", "dmsetup_table", TABLE.replace("7:1 7:0 128 32768", "7:1 7:0 12\u00b2 32768")),
 ("table-feature-count-lies", "dmsetup_table", TABLE.replace("32768 1 skip", "32768 5 skip")),
 ("info-text-unknown-unit", "docker_info", info("Data Space Used: 567.7 MB", "Data Space Used: 567.7 XB")),
 ("info-json-meta-above-total", "docker_info", api_pair("Metadata Space Used", "90 GB")),
 ("status-negative-used", "dmsetup_status", st("4664/1638400", "-5/1638400")),
 ("table-huge-low-water-mark", "dmsetup_table", TABLE.replace("128 32768", "128 " + "9" * 30)),
 ("table-length-zero", "dmsetup_table", TABLE.replace("0 209715200 thin-pool", "0 0 thin-pool")),
 ("info-text-markdown-bold", "docker_info", info("Data Space Used: 567.7 MB", "**Data Space Used: 567.7 MB**")),
 ("info-text-fence-unclosed", "docker_info", INFO.replace("\n", "\n```console\n$ docker info\n", 1)),
 ("info-text-in-a-fence", "docker_info", INFO.replace("\n", "\n```console\n[root@host ~]# docker info\n", 1) + "```\n"),
]

# name -> the problem line ({path} is the capture), or None where the capture must still read.
EXPECTED = {
    'info-json-bad-escape': 'docker info {path}: docker info: not valid JSON at line 1 column 61 (Invalid \\escape)',
    'info-json-warnings-number': 'docker info {path}: docker info JSON: Warnings must be a list of strings, got 5',
    'info-json-warnings-dict': "docker info {path}: docker info JSON: Warnings must be a list of strings, got {'a': 1}",
    'info-json-driverstatus-string': "docker info {path}: docker info JSON: DriverStatus must be a list of [label, value] string pairs, got 'pool'",
    'info-json-driverstatus-triples': "docker info {path}: docker info JSON: DriverStatus must be a list of [label, value] string pairs, got [['Pool Name', 'a', 'b']]",
    'info-json-driver-number': 'docker info {path}: docker info JSON: Driver must be a string, got 5',
    'info-json-list-of-numbers': "docker info {path}: docker info: not docker info output at line 1: '[1, 2, 3]'",
    'info-json-top-string': 'docker info {path}: docker info: not docker info output at line 1: \'"devicemapper"\'',
    'info-json-deep': 'docker info {path}: docker info: not valid JSON (nested too deeply)',
    'info-json-deep-object': 'docker info {path}: docker info: not valid JSON (nested too deeply)',
    'info-json-float-overflow': "docker info {path}: docker info JSON: 'Data Space Used' has value '111111111111111111111111111111111111111111111111111111111111': not a size Docker prints",
    'info-json-used-1e999': None,
    'info-json-nan': "docker info {path}: docker info JSON: 'Data Space Used' has value 'NaN GB': docker size: expected a number and a unit like '107.4 GB', got 'NaN GB'",
    'info-json-superscript-count': "docker info {path}: docker info JSON: 'Deferred Deleted Device Count' has value '²': expected a whole number",
    'info-json-blocksize-zero': "docker info {path}: docker info JSON: 'Pool Blocksize' has value '0 B': a pool block size must be positive",
    'info-json-used-above-total': 'docker info {path}: docker info JSON: Data space used (500000000000 B) is more than its total (107400000000 B)',
    'info-json-total-zero': "docker info {path}: docker info JSON: Data space total is 0 B: not a pool's figure",
    'info-json-size-no-unit': "docker info {path}: docker info JSON: 'Data Space Used' has value '567': a size without a unit (cut off?)",
    'info-json-size-word': "docker info {path}: docker info JSON: 'Data Space Total' has value 'lots': docker size: expected a number and a unit like '107.4 GB', got 'lots'",
    'info-json-overlay2': "docker info {path}: storage driver is overlay2, not devicemapper: there is no thin pool of Docker's to look at",
    'info-json-truncated': 'docker info {path}: docker info: truncated JSON at line 2',
    'info-text-overlay2': "docker info {path}: storage driver is overlay2, not devicemapper: there is no thin pool of Docker's to look at",
    'info-text-used-truncated': "docker info {path}: docker info: 'Data Space Used' has value '567': a size without a unit (cut off?)",
    'info-text-superscript': "docker info {path}: docker info: 'Deferred Deleted Device Count' has value '²': expected a whole number",
    'info-text-used-above-total': 'docker info {path}: docker info: Data space used (5370000000000 B) is more than its total (107400000000 B)',
    'info-text-total-zero': "docker info {path}: docker info: Data space total is 0 B: not a pool's figure",
    'info-text-meta-above-total': 'docker info {path}: docker info: Metadata space used (9000000000 B) is more than its total (2147000000 B)',
    'info-text-blocksize-zero': "docker info {path}: docker info: 'Pool Blocksize' has value '0 B': a pool block size must be positive",
    'info-text-huge-number': "docker info {path}: docker info: 'Data Space Used' has value '999999999999999999999999999999999999999999999999999999999999': not a size Docker prints",
    'info-text-binary': "docker info {path}: docker info: not docker info output at line 1: '\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08'",
    'info-text-empty': "docker info {path}: docker info: no 'Storage Driver' or 'Driver' field found (nor any pool line); first line: ''",
    'info-text-bom': None,
    'info-text-nul': None,
    'info-text-latin1': None,
    'status-superscript-total': "dmsetup status {path}: dmsetup status line 5: data total blocks must be a whole number, got '1638400²': 'docker-253:0-278707-pool: 0 209715200 thin-pool 1 179/524288 4664/1638400² - rw discard_passdown queue_if_no_space'",
    'status-superscript-tid': "dmsetup status {path}: dmsetup status line 5: transaction id must be a whole number, got '¹': 'docker-253:0-278707-pool: 0 209715200 thin-pool ¹ 179/524288 4664/1638400 - rw discard_passdown queue_if_no_space'",
    'status-arabic-digit': "dmsetup status {path}: dmsetup status line 5: data total blocks must be a whole number, got '١٢': 'docker-253:0-278707-pool: 0 209715200 thin-pool 1 179/524288 4664/١٢ - rw discard_passdown queue_if_no_space'",
    'status-total-zero': "dmsetup status {path}: dmsetup status line 5: data usage 0/0 is impossible (no blocks at all): 'docker-253:0-278707-pool: 0 209715200 thin-pool 1 179/524288 0/0 - rw discard_passdown queue_if_no_space'",
    'status-meta-total-zero': "dmsetup status {path}: dmsetup status line 5: metadata usage 0/0 is impossible (no blocks at all): 'docker-253:0-278707-pool: 0 209715200 thin-pool 1 0/0 4664/1638400 - rw discard_passdown queue_if_no_space'",
    'status-used-above-total': "dmsetup status {path}: dmsetup status line 5: data usage 81920000/1638400 is impossible (more used than there is): 'docker-253:0-278707-pool: 0 209715200 thin-pool 1 179/524288 81920000/1638400 - rw discard_passdown queue_if_no_space'",
    'status-meta-used-above-total': "dmsetup status {path}: dmsetup status line 5: metadata usage 600000/524288 is impossible (more used than there is): 'docker-253:0-278707-pool: 0 209715200 thin-pool 1 600000/524288 4664/1638400 - rw discard_passdown queue_if_no_space'",
    'status-two-unnamed-pools': "dmsetup status {path}: dmsetup status: 2 thin-pool lines without device names (capture 'dmsetup status' without a NAME)",
    'status-length-zero': "dmsetup status {path}: dmsetup status line 5: a thin-pool of length 0 is impossible: 'docker-253:0-278707-pool: 0 0 thin-pool 1 179/524288 4664/1638400 - rw discard_passdown queue_if_no_space'",
    'status-huge-length': "dmsetup status {path}: dmsetup status line 5: start or length beyond any device: 'docker-253:0-278707-pool: 0 99999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999'",
    'status-huge-blocks': "dmsetup status {path}: dmsetup status line 5: data total blocks must be a whole number, got '9999999999999999999999999999999999999999': 'docker-253:0-278707-pool: 0 209715200 thin-pool 1 179/524288 4664/999999999999999999999999999999999999999999999999999...'",
    'status-garbage': "dmsetup status {path}: dmsetup status line 1: not a target line ('[NAME: ]START LENGTH TARGET ARGS'): 'hello world'",
    'status-empty': 'dmsetup status {path}: dmsetup status: empty output',
    'status-only-comments': 'dmsetup status {path}: dmsetup status: empty output',
    'status-binary': "dmsetup status {path}: dmsetup status line 1: not a target line ('[NAME: ]START LENGTH TARGET ARGS'): '\\x00\\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08\\t'",
    'table-block-size-zero': "dmsetup table {path}: dmsetup table line 2: data block size 0 sectors is impossible (dm-thin takes multiples of 128): '0 209715200 thin-pool 7:1 7:0 0 32768 1 skip_block_zeroing'",
    'table-block-size-odd': "dmsetup table {path}: dmsetup table line 2: data block size 100 sectors is impossible (dm-thin takes multiples of 128): '0 209715200 thin-pool 7:1 7:0 100 32768 1 skip_block_zeroing'",
    'table-superscript-block': "dmsetup table {path}: dmsetup table line 2: data block size must be a whole number, got '12²': '0 209715200 thin-pool 7:1 7:0 12² 32768 1 skip_block_zeroing'",
    'table-feature-count-lies': "dmsetup table {path}: dmsetup table line 2: thin-pool table announces 5 feature args but has 1: '0 209715200 thin-pool 7:1 7:0 128 32768 5 skip_block_zeroing'",
    'info-text-markdown-bold': "docker info {path}: docker info: not docker info output at line 10: '**Data Space Used: 567.7 MB**'",
    'info-text-fence-unclosed': 'docker info {path}: docker info: the ``` code fence opened at line 2 is not closed (a cut paste?)',
    'info-text-in-a-fence': None,
    'table-length-zero': "dmsetup table {path}: dmsetup table line 2: a thin-pool of length 0 is impossible: '0 0 thin-pool 7:1 7:0 128 32768 1 skip_block_zeroing'",
    'info-text-unknown-unit': "docker info {path}: docker info: 'Data Space Used' has value '567.7 XB': docker size: unknown unit 'XB' in '567.7 XB' (expected one of B, EB, GB, GiB, KB, KiB, MB, Mb, MiB, PB, PiB, TB, TiB, kB)",
    'info-json-meta-above-total': 'docker info {path}: docker info JSON: Metadata space used (90000000000 B) is more than its total (2147000000 B)',
    'status-negative-used': "dmsetup status {path}: dmsetup status line 5: data used blocks must be a whole number, got '-5': 'docker-253:0-278707-pool: 0 209715200 thin-pool 1 179/524288 -5/1638400 - rw discard_passdown queue_if_no_space'",
    'table-huge-low-water-mark': "dmsetup table {path}: dmsetup table line 2: low water mark must be a whole number, got '999999999999999999999999999999': '0 209715200 thin-pool 7:1 7:0 128 999999999999999999999999999999 1 skip_block_zeroing'",
}


def _write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(path)


def _problems(snapshot):
    return [p for p in snapshot.problems if not p.startswith("dmsetup status: not given")]


@pytest.mark.parametrize("name, flag, content", CASES, ids=[case[0] for case in CASES])
def test_bad_capture_gives_its_problem_line(tmp_path, name, flag, content):
    path = _write(tmp_path, name, content)
    problems = _problems(diagnose(**{flag: path}))
    expected = EXPECTED[name]
    assert problems == ([] if expected is None else [expected.replace("{path}", path)])


@pytest.mark.parametrize("name, used, total", [
    ("info-text-bom", 567700000, 107400000000),
    ("info-text-nul", 567700000, 107400000000),
    ("info-text-latin1", 567700000, 107400000000),
    ("info-text-in-a-fence", 567700000, 107400000000),
    ("info-json-used-1e999", None, None),
])
def test_captures_that_must_still_read_give_the_real_figures(tmp_path, name, used, total):
    flag, content = next((c[1], c[2]) for c in CASES if c[0] == name)
    docker = diagnose(**{flag: _write(tmp_path, name, content)}).docker
    assert (docker.storage_driver, docker.data_used_bytes, docker.data_total_bytes) == ("devicemapper", used, total)


def test_corpus_of_bad_captures_is_large_enough():
    assert len([name for name, expected in EXPECTED.items() if expected]) >= 50


def _within(seconds, call):
    """call() in a thread; fail the test rather than hang it."""
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(value=call()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "still reading after {} s".format(seconds)
    return outcome["value"]


def test_a_fifo_is_refused_without_hanging(tmp_path):
    path = str(tmp_path / "docker_info")
    os.mkfifo(path)
    problems = _problems(_within(5, lambda: diagnose(docker_info=path)))
    assert problems == ["docker info {}: not a regular file".format(path)]


def test_a_symlink_to_dev_zero_is_refused(tmp_path):
    path = str(tmp_path / "dmsetup_status")
    os.symlink("/dev/zero", path)
    problems = _problems(_within(5, lambda: diagnose(dmsetup_status=path)))
    assert problems == ["dmsetup status {}: not a regular file".format(path)]


def test_a_huge_capture_is_refused(tmp_path):
    path = str(tmp_path / "dmsetup_status")
    with open(path, "wb") as handle:
        handle.truncate(17 << 20)
    assert _problems(diagnose(dmsetup_status=path)) == [
        "dmsetup status {}: larger than 16777216 bytes".format(path)]


def test_an_unreadable_capture_is_one_line(tmp_path):
    path = tmp_path / "docker_info"
    path.mkdir()
    assert _problems(diagnose(docker_info=str(path))) == ["docker info {}: not a regular file".format(path)]


@pytest.mark.parametrize("make, reason", [
    (lambda tmp_path: str(tmp_path / "nope"), "No such file or directory"),
    (lambda tmp_path: _write(tmp_path, "report.tar.xz", b"xz"), "neither a folder nor a tar archive (truncated header)"),
    (lambda tmp_path: _write(tmp_path, "report.tar", INFO), "neither a folder nor a tar archive (invalid header)"),
])
def test_a_missing_or_wrong_sosreport_path_is_one_line_and_unknown(tmp_path, make, reason):
    path = make(tmp_path)
    with pytest.raises(GuardianError) as caught:
        diagnose(sosreport=path)
    assert str(caught.value) == "diagnose: --sosreport {}: {}".format(path, reason)
    assert caught.value.exit_code == 3


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_an_unreadable_sosreport_is_one_line(tmp_path):
    folder = tmp_path / "sos"
    folder.mkdir(mode=0o000)
    with pytest.raises(GuardianError) as caught:
        diagnose(sosreport=str(folder))
    assert str(caught.value) == "diagnose: --sosreport {}: Permission denied".format(folder)


def test_the_cli_prints_problems_not_a_traceback_for_the_deep_json(tmp_path, capsys):
    path = _write(tmp_path, "deep", "[" * 200000 + "]" * 200000)
    code = main(["diagnose", "--docker-info", path, "--json"])
    assert code == 3
    assert json.loads(capsys.readouterr().out)["problems"][0].startswith("docker info {}: ".format(path))


def test_a_capture_with_a_bom_and_utf8_reads_under_lang_c(tmp_path):
    path = _write(tmp_path, "docker_info", "\ufeff" + INFO.replace("Fedora 22", "Fedora 22 \u00e9t\u00e9"))
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    env = dict(os.environ, LANG="C", LC_ALL="C")
    proc = subprocess.Popen([sys.executable, "-m", "guardian", "diagnose", "--docker-info", path, "--json"],
                            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=60)
    assert err == b""
    assert json.loads(out.decode())["docker"]["data_used_bytes"] == 567700000


def test_an_overlay2_host_is_unknown_saying_it_is_not_devicemapper(tmp_path, capsys):
    path = _write(tmp_path, "docker_info", info("Storage Driver: devicemapper", "Storage Driver: overlay2"))
    assert main(["diagnose", "--docker-info", path]) == 3
    out = capsys.readouterr().out
    assert out.startswith("verdict: UNKNOWN\n  no_pool: no pool to watch: ")
    assert "storage driver is overlay2, not devicemapper" in out
