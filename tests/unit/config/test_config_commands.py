"""A bad config through the commands an operator and systemd run: check-config and run exit 78
(EX_CONFIG, which the unit does not restart on), check exits 3 (UNKNOWN), each with one line,
under LANG=C as cron and NRPE run them."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))


def _pool_guardian(*args):
    env = dict(os.environ, LANG="C", LC_ALL="C")
    env.pop("INVOCATION_ID", None)
    env.pop("JOURNAL_STREAM", None)
    proc = subprocess.Popen([sys.executable, "-m", "guardian"] + list(args), cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, (out + err).decode("utf-8", "replace").strip()


@pytest.fixture(params=["poll", "tag", "fifo"])
def bad_config(request, tmp_path):
    path = str(tmp_path / "config.yaml")
    if request.param == "fifo":
        os.mkfifo(path)
        return path, "config {}: not a regular file".format(path)
    text = {"poll": "schedule:\n  poll_interval: 99999999999999999999d\n",
            "tag": "mode: !!python/object/apply:os.system ['id']\n"}[request.param]
    with open(path, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o644)
    return path, {"poll": "config {} line 2: schedule.poll_interval: must be between 100ms and 1h, got "
                          "'99999999999999999999d'",
                  "tag": "config {} line 1: mode: the tag !!python/object/apply:os.system is not allowed"
                  }[request.param].format(path)


def test_check_config_exits_78_with_one_line(bad_config):
    path, line = bad_config
    assert _pool_guardian("check-config", path) == (78, "pool-guardian: " + line)


def test_run_exits_78_with_one_line(bad_config):
    path, line = bad_config
    code, output = _pool_guardian("--config", path, "run")
    assert code == 78 and output.splitlines()[-1].endswith(line) and "Traceback" not in output


def test_check_is_unknown_with_one_line(bad_config):
    path, line = bad_config
    code, output = _pool_guardian("--config", path, "check")
    assert code == 3 and len(output.splitlines()) == 1 and line in output
