"""Runs the project's CLI (.venv/bin/pool-guardian) and, later, its daemon against the guest's pools."""
import json
import os
import signal
import subprocess
import time

from guardian.report.state import HISTORY_FILE, MEMORY_FILE

from . import REPO, run

EXE = os.path.join(REPO, ".venv", "bin", "pool-guardian")
# A bare pool with no Docker: the config head of the daemon tests (format with pool=NAME).
BARE_POOL_CONFIG = """\
pool:
  name: {pool}
  docker_host: unix:///run/no-docker-here.sock
  docker_timeout: 1s
"""


class Guardian:
    def __init__(self, workdir, config_text=None):
        self.workdir = workdir
        self.config = None
        self.daemons = []
        if config_text is not None:
            self.write_config(config_text)

    def write_config(self, text):
        self.config = os.path.join(self.workdir, "config.yaml")
        with open(self.config, "w") as f:
            f.write(text)
        return self.config

    def argv(self, args):
        return [EXE] + (["--config", self.config] if self.config else []) + list(args)

    def cli(self, *args, check=True, timeout=120):
        """Run `pool-guardian ARGS`; CompletedProcess with text output; failure -> AssertionError."""
        return run(self.argv(args), check=check, timeout=timeout)

    def status_json(self):
        return json.loads(self.cli("status", "--json").stdout)

    def start_daemon(self, *args):
        """`pool-guardian run ARGS` in the background; its output in workdir/daemon-N.log.
        Stopped (SIGTERM, then SIGKILL) by the fixture's teardown."""
        log_path = os.path.join(self.workdir, "daemon-{}.log".format(len(self.daemons)))
        proc = subprocess.Popen(self.argv(("run",) + args), stdout=open(log_path, "w"),
                                stderr=subprocess.STDOUT, start_new_session=True)
        proc.log_path = log_path
        self.daemons.append(proc)
        return proc

    def stop_daemons(self):
        for proc in self.daemons:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                deadline = time.time() + 20
                while proc.poll() is None and time.time() < deadline:
                    time.sleep(0.2)
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def forget_daemon_state():
    """The daemon keeps its ladder memory and fill samples across restarts (in /run/pool-guardian);
    each test's daemon starts from nothing, as on a fresh host, not from the last test's back-off."""
    for path in (MEMORY_FILE, HISTORY_FILE):
        if os.path.exists(path):
            os.unlink(path)
