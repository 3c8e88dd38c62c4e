"""`diagnose` gives the one verdict (decide/verdict.py) on whatever the captures hold, and exits
with its code as `check` does: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.

The captures are the corpus files as captured, '# source:' line and all.
"""
import json
import os

from guardian.cli import main
from guardian.observe.dmsetup import parse_status
from guardian.observe.docker_info import DockerInfo, parse_docker_info
from guardian.observe.snapshot import compose_snapshot
from guardian.tools.diagnose import diagnose, docker_bound
from tests.unit.conftest import LINE
from tests.unit.observe.conftest import CORPUS, load_sample

STATUS_001 = os.path.join(CORPUS, "dmsetup-status", "001.txt")     # loop-lvm, 4664/1638400 blocks used
INFO_001 = os.path.join(CORPUS, "docker-info", "001.txt")          # the same host: Data Space Available 3.827 GB
INFO_027 = os.path.join(CORPUS, "docker-info", "027.txt")          # loop-lvm, 107.1 GB of 107.4 GB available
INFO_009 = os.path.join(CORPUS, "docker-info", "009.txt")          # no Data Space lines at all
STATUS_005 = os.path.join(CORPUS, "dmsetup-status", "005.txt")     # direct-lvm, 96460800 sectors
STATUS_011 = os.path.join(CORPUS, "dmsetup-status", "011.txt")     # two LVM thin pools
TABLE_001 = os.path.join(CORPUS, "dmsetup-table", "001.txt")       # `dmsetup table NAME`: no name, 209715200 sectors
TABLE_005 = os.path.join(CORPUS, "dmsetup-table", "005.txt")       # docker-253:1-153295518-pool


def run(capsys, *args):
    code = main(["diagnose"] + list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys, *args):
    code, out, _ = run(capsys, *(args + ("--json",)))
    return code, json.loads(out)


def test_a_loop_lvm_pool_is_as_full_as_dockers_available_space_says(capsys):
    code, out, _ = run(capsys, "--dmsetup-status", STATUS_001, "--docker-info", INFO_001)
    assert code == 2
    assert out.splitlines()[:2] == ["verdict: CRITICAL", "  data_usage: data 96.4% (the critical threshold is 85)"]
    assert ("  LIMIT    only 3.566 GiB can really be written: docker info Data Space Available is less than "
            "the pool's free space (96.4% effective)") in out.splitlines()


def test_the_json_says_the_bound_is_dockers(capsys):
    code, result = run_json(capsys, "--dmsetup-status", STATUS_001, "--docker-info", INFO_001)
    pool = result["pools"][0]
    # 3.827 GB as Docker prints it stands for at most 3.827 GB plus half a unit in the 4th digit
    assert pool["free_bound"] == {"source": "docker info Data Space Available", "free_bytes": 3828913500}
    assert pool["effective_free_bytes"] == 3828913500 and pool["data_free_bytes"] == (1638400 - 4664) * 65536
    assert pool["figures"] == "dmsetup status"
    assert result["verdict"] == {"severity": "critical", "exit_code": 2, "findings": [
        {"condition": "data_usage", "severity": "critical", "subject": "data",
         "text": "data 96.4% (the critical threshold is 85)"}]}


def test_the_live_snapshot_is_never_bounded_by_dockers_figures():
    docker = parse_docker_info(load_sample("docker-info", "001.txt"))
    pool = compose_snapshot(parse_status(load_sample("dmsetup-status", "001.txt")), [], docker).pool
    assert pool.bound is None and pool.effective_free_bytes == pool.data_free_bytes


def test_a_figure_docker_only_rounded_limits_nothing():
    # 521 blocks used of 1638400: 107340038144 B free, which go-units prints as 107.3GB
    pool = compose_snapshot(parse_status(LINE.format(data=521, meta=100, mode="rw")), [], None,
                            bound=docker_bound(DockerInfo(data_available_bytes=107300000000))).pool
    assert pool.effective_free_bytes == pool.data_free_bytes == 107340038144
    assert pool.free_limit == "pool"


def info_013(tmp_path):
    """Corpus 013 (85.9GB of 85.9GB, 0B available, floor 8.589GB), the one sample of a full pool in
    docker info alone, without the markdown bold its reporter put on one line: diagnose refuses that
    paste as it is (test_refused_samples_are_a_problem_line in test_diagnose_corpus.py); every figure
    here is as Docker printed it."""
    path = tmp_path / "docker_info"
    path.write_text(load_sample("docker-info", "013.txt").replace("**", ""))
    return str(path)


def test_docker_info_alone_below_its_floor_is_critical(capsys, tmp_path):
    code, result = run_json(capsys, "--docker-info", info_013(tmp_path))
    assert code == 2
    assert [(f["condition"], f["severity"], f["subject"]) for f in result["verdict"]["findings"]] == [
        ("below_docker_floor", "critical", "data"), ("data_usage", "critical", "data"),
        ("source_unavailable", "warning", "dmsetup")]
    pool = result["pools"][0]
    assert (pool["figures"], pool["name"], pool["data_free_bytes"], pool["min_free_bytes"]) == (
        "docker info", "(unnamed)", 0, 8589000000)
    assert pool["mode"] is None and pool["transaction_id"] is None


def test_docker_info_alone_prints_the_verdict_and_marks_dockers_figures(capsys, tmp_path):
    code, out, _ = run(capsys, "--docker-info", info_013(tmp_path))
    lines = out.splitlines()
    assert lines[:2] == ["verdict: CRITICAL", "  below_docker_floor: data free 0 MiB is below Docker's floor "
                         "of 8191 MiB: Docker refuses pulls and new containers"]
    assert "pool (unnamed) (unknown, Docker's figures): CRITICAL" in lines
    assert "  data     100.0%  80 GiB of 80 GiB  critical" in lines


def test_docker_info_alone_of_a_roomy_pool_warns_that_the_kernels_view_is_missing(capsys):
    code, result = run_json(capsys, "--docker-info", INFO_027)
    assert code == 1
    assert [f["text"] for f in result["verdict"]["findings"]] == [
        "dmsetup status: not given; the kernel's view is missing"]
    assert result["pool_name"] == "docker-8:19-16121929-pool"


def test_docker_info_without_space_figures_is_unknown(capsys):
    code, out, _ = run(capsys, "--docker-info", INFO_009)
    assert code == 3
    assert out.splitlines()[:2] == ["verdict: UNKNOWN", "  no_pool: no pool to watch: dmsetup status: not given; "
                                    "the kernel's view is missing"]


def test_pool_chooses_one_of_several(capsys):
    code, result = run_json(capsys, "--dmsetup-status", STATUS_011, "--pool", "x22v0-tp_big-tpool")
    assert (code, result["pool_name"], result["verdict"]["findings"]) == (0, "x22v0-tp_big-tpool", [])


def test_several_pools_without_pool_are_unknown_and_say_how_to_choose(capsys):
    code, result = run_json(capsys, "--dmsetup-status", STATUS_011)
    assert code == 3
    assert result["verdict"]["findings"][0]["text"] == (
        "no pool to watch: several thin pools (x22v0-tp_ssd-tpool, x22v0-tp_big-tpool): give --pool NAME")


def test_a_pool_the_captures_lack_is_unknown_naming_where_its_name_came_from(capsys, tmp_path):
    code, result = run_json(capsys, "--dmsetup-status", STATUS_011, "--pool", "docker-pool")
    assert code == 3 and result["problems"] == [
        "pool docker-pool (from --pool) is not a thin pool here; thin pools: x22v0-tp_ssd-tpool, x22v0-tp_big-tpool"]
    config = tmp_path / "config.yaml"
    config.write_text("pool:\n  name: docker-pool\n")
    code, result = run_json(capsys, "--config", str(config), "--dmsetup-status", STATUS_011)
    assert code == 3 and "(from config pool.name)" in result["problems"][0]


def test_pool_names_a_status_captured_without_its_name(tmp_path):
    # `dmsetup status NAME` prints the line without the name
    capture = tmp_path / "status"
    capture.write_text(load_sample("dmsetup-status", "001.txt").splitlines()[-1].split(": ", 1)[1] + "\n")
    snapshot = diagnose(dmsetup_status=str(capture), pool_name="docker-253:0-278707-pool")
    assert snapshot.pool.name == "docker-253:0-278707-pool" and snapshot.problems == ()


def test_dockers_figures_are_dockers_pool_not_the_one_pool_names(capsys):
    code, result = run_json(capsys, "--docker-info", INFO_001, "--pool", "other-pool")
    assert code == 3 and [(p["name"], p["watched"]) for p in result["pools"]] == [("docker-253:0-278707-pool", False)]
    assert "pool other-pool (from --pool) is not a thin pool here" in result["problems"][-1]


def test_a_table_line_of_no_captured_pool_is_reported(capsys):
    code, result = run_json(capsys, "--dmsetup-status", STATUS_001, "--dmsetup-table", TABLE_005)
    assert result["pools"][0]["table"] is None
    assert result["problems"] == [
        "dmsetup table: thin-pool docker-253:1-153295518-pool (209715200 sectors) matches no pool in dmsetup "
        "status (thin pools: docker-253:0-278707-pool (209715200 sectors)); its table is not used"]
    assert code == 1


def test_an_unnamed_table_line_is_the_only_pools_when_the_lengths_agree(capsys):
    code, result = run_json(capsys, "--dmsetup-status", STATUS_001, "--dmsetup-table", TABLE_001)
    pool = result["pools"][0]
    assert (pool["kind"], pool["table"]["data_dev"], result["problems"]) == ("loop-lvm", "7:0", [])


def test_an_unnamed_table_line_of_another_length_is_reported(capsys):
    code, result = run_json(capsys, "--dmsetup-status", STATUS_005, "--dmsetup-table", TABLE_001)
    assert result["pools"][0]["table"] is None
    assert result["problems"] == [
        "dmsetup table: thin-pool line without a name (209715200 sectors) matches no pool in dmsetup status "
        "(thin pools: docker-253:17-1835016-pool (96460800 sectors)); its table is not used"]


def test_a_broken_local_config_gives_way_to_the_defaults_in_one_line(capsys, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("watermarks: [\n")
    code, out, err = run(capsys, "--config", str(config), "--dmsetup-status", STATUS_001, "--docker-info", INFO_001)
    assert code == 2 and out.startswith("verdict: CRITICAL\n")
    assert err.count("\n") == 1
    assert err.startswith("pool-guardian: config {} line 2: not valid YAML".format(config))
    assert err.endswith("; diagnose goes on with the default settings\n")
