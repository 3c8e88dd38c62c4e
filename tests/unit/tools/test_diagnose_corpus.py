"""`pool-guardian diagnose ... --json` reads every captured sample to the right numbers.

The expected numbers are the hand-read ones beside the parser tests; here they must come out of
the CLI, from the corpus files as captured (with their '# source:' line on top). The exit code is
the verdict's, as `check`'s: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
"""
import json
import os

import pytest

from guardian.cli import main
from tests.unit.observe import test_docker_info, test_docker_info_api, test_dmsetup_status
from tests.unit.observe.conftest import CORPUS

POOL_FIELDS = ("name", "length_sectors", "transaction_id", "data_used_blocks", "data_total_blocks",
               "metadata_used_blocks", "metadata_total_blocks", "mode", "needs_check")


def diagnose_json(capsys, *args):
    code = main(["diagnose"] + list(args) + ["--json"])
    return code, json.loads(capsys.readouterr().out)


def expected_docker(info):
    return dict(info._asdict(), warnings=list(info.warnings))


@pytest.mark.parametrize("kind, name, expected", [
    ("docker-info", name, info) for name, info in sorted(test_docker_info.EXPECTED.items())] + [
    ("info-json", name, info) for name, info in sorted(test_docker_info_api.EXPECTED.items())])
def test_docker_info_sample(capsys, kind, name, expected):
    code, result = diagnose_json(capsys, "--docker-info", os.path.join(CORPUS, kind, name))
    assert code == result["verdict"]["exit_code"]
    assert result["docker"] == expected_docker(expected)


@pytest.mark.parametrize("name", sorted(test_dmsetup_status.EXPECTED))
def test_dmsetup_status_sample(capsys, name):
    code, result = diagnose_json(capsys, "--dmsetup-status", os.path.join(CORPUS, "dmsetup-status", name))
    expected = test_dmsetup_status.EXPECTED[name]["pools"]
    got = [{field: pool[field] for field in POOL_FIELDS} for pool in result["pools"]]
    assert got == [{field: pool[field] for field in POOL_FIELDS} for pool in expected]
    for pool, want in zip(result["pools"], expected):
        assert pool["data_used_percent"] == round(100.0 * want["data_used_blocks"] / want["data_total_blocks"], 2)
        assert pool["data_block_bytes"] == want["length_sectors"] * 512 // want["data_total_blocks"]
    assert code == result["verdict"]["exit_code"]


@pytest.mark.parametrize("kind, name, refused", [
    ("docker-info", name, refused) for name, refused in sorted(test_docker_info.REFUSED.items())] + [
    ("info-json", name, refused) for name, refused in sorted(test_docker_info_api.REFUSED.items())])
def test_refused_samples_are_a_problem_line(capsys, kind, name, refused):
    """An edited or cut sample is one problem line, the line number the file's own, and UNKNOWN."""
    path = os.path.join(CORPUS, kind, name)
    code, result = diagnose_json(capsys, "--docker-info", path)
    assert code == 3 and result["docker"] is None
    line = int(refused.split(" at line ")[1].split(":")[0])
    assert result["problems"][0] == "docker info {}: {}".format(
        path, refused.replace(" at line %d" % line, " at line %d" % (line + 1)))


def test_a_missing_file_is_a_one_line_problem_and_unknown(capsys, tmp_path):
    code, result = diagnose_json(capsys, "--dmsetup-status", str(tmp_path / "nope"))
    assert code == 3
    assert result["problems"][0] == "dmsetup status {}: No such file or directory".format(tmp_path / "nope")


def test_a_truncated_capture_is_a_one_line_problem_and_unknown(capsys, tmp_path):
    capture = tmp_path / "status"
    capture.write_text("docker-8:1-696417-pool: 0 419430400 thin-pool 73 490/524288\n")
    code, result = diagnose_json(capsys, "--dmsetup-status", str(capture))
    assert code == 3 and len(result["problems"]) == 1
    assert result["problems"][0].startswith("dmsetup status {}: dmsetup status line 1:".format(capture))


def test_status_and_table_join_to_bytes_with_the_table_block_size(capsys):
    code, result = diagnose_json(
        capsys, "--dmsetup-status", os.path.join(CORPUS, "dmsetup-status", "001.txt"),
        "--docker-info", os.path.join(CORPUS, "docker-info", "001.txt"))
    pool = result["pools"][0]
    assert pool["watched"] and pool["kind"] == "loop-lvm"
    assert pool["data_block_bytes"] == 65536
    assert pool["data_used_bytes"] == 4664 * 65536
    assert pool["metadata_used_bytes"] == 179 * 4096
    assert pool["min_free_bytes"] == 1638400 * 65536 // 10


def test_no_input_at_all_is_a_wrong_command_line(capsys):
    assert main(["diagnose"]) == 2
    assert "give at least one of --docker-info" in capsys.readouterr().err
