"""The longest gap between the daemon's watchdog pings while it climbs on a bad day.

Runs INSIDE the test-bed guest (real dm-thin, real dockerd):
    .venv/bin/python tests/bed/run.py --timeout 2400 -- .venv/bin/python bench/heartbeat_gap.py
A loop-lvm Docker pool above its high mark, 50 exited containers to prune, a running one to trim.
Then dockerd is frozen (SIGSTOP: a hung dockerd) and fstrim is slow (a script first on the
daemon's PATH sleeps --slow-fstrim seconds before the real fstrim). The daemon runs with
NOTIFY_SOCKET and WATCHDOG_USEC as systemd gives them (WatchdogSec=60); this script is the socket
and prints the longest gap between WATCHDOG=1 pings from the start until both rungs have run.
Goal: under 30 s, half the watchdog period.
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.integration.bedlib import REPO  # noqa: E402
from tests.integration.bedlib.docker import IMAGE, Dockerd  # noqa: E402
from tests.integration.bedlib.guardian import forget_daemon_state  # noqa: E402

EXE = os.path.join(REPO, ".venv", "bin", "pool-guardian")
WATCHDOG_SECONDS = 60
CONFIG = """\
mode: enforce
pool:
  name: {pool}
  docker_timeout: 5s
watermarks:
  data: {{warning: 20%, high: 25%, low: 10%, critical: 95%}}
ladder:
  order: [prune_containers, fstrim]
  prune_containers: {{grace: 0s, removal_timeout: {removal}s}}
"""


def slow_fstrim(folder, seconds):
    """A directory whose `fstrim` sleeps, then runs the real one (nsenter finds it on PATH)."""
    path = os.path.join(folder, "fstrim")
    with open(path, "w") as f:
        f.write("#!/bin/sh\nsleep {}\nexec /sbin/fstrim \"$@\"\n".format(seconds))
    os.chmod(path, 0o755)
    return folder


def pings(sock, until, daemon):
    """(seconds since start, message) for every sd_notify datagram until `until` is true."""
    got, started = [], time.monotonic()
    sock.settimeout(1.0)
    while not until(got) and daemon.poll() is None:
        try:
            message = sock.recv(4096).decode()
        except socket.timeout:
            continue
        got.append((time.monotonic() - started, message))
    return got


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--containers", type=int, default=50)
    parser.add_argument("--removal-timeout", type=int, default=120)
    parser.add_argument("--slow-fstrim", type=int, default=150)
    parser.add_argument("--exe", default=EXE, help="the pool-guardian to run (another checkout's, to compare)")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="heartbeat-")
    dockerd = Dockerd(["dm.loopdatasize=1G", "dm.loopmetadatasize=64M", "dm.basesize=4G"])
    daemon = None
    try:
        dockerd.docker("run", "-d", "--name", "busy", "--label", "pool-guardian.keep=true", IMAGE,
                       "sh", "-c", "dd if=/dev/zero of=/fill bs=1M count=300 conv=fsync; sleep 100000")
        for n in range(args.containers):
            dockerd.docker("run", "--name", "exited-{}".format(n), IMAGE, "true")
        time.sleep(20)                                   # the keep container's 300 MB written
        config = os.path.join(work, "config.yaml")
        with open(config, "w") as f:
            f.write(CONFIG.format(pool=dockerd.pool_name, removal=args.removal_timeout))
        os.kill(dockerd.proc.pid, signal.SIGSTOP)         # dockerd hangs: no answer, no error
        notify = os.path.join(work, "notify.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(notify)
        env = dict(os.environ, NOTIFY_SOCKET=notify, WATCHDOG_USEC=str(WATCHDOG_SECONDS * 10 ** 6),
                   PATH=slow_fstrim(work, args.slow_fstrim) + ":" + os.environ["PATH"])
        forget_daemon_state()
        log_path = os.path.join(work, "daemon.log")
        daemon = subprocess.Popen([args.exe, "--config", config, "run"], env=env, stdout=open(log_path, "w"),
                                  stderr=subprocess.STDOUT, start_new_session=True)
        got = pings(sock, lambda _: rungs_finished(log_path) >= 2, daemon)
        if daemon.poll() is not None:
            with open(log_path) as f:
                print("the daemon exited {}:\n{}".format(daemon.returncode, f.read()[-3000:]))
        report(got, log_path, args)
    finally:
        if daemon is not None and daemon.poll() is None:
            daemon.terminate()
            daemon.wait(30)
        os.kill(dockerd.proc.pid, signal.SIGCONT)
        dockerd.stop()


def rungs_finished(log_path):
    """How many of the two rungs have ended (finished, failed, partly done or refused)."""
    with open(log_path) as f:
        return sum(1 for line in f if " action." in line and ("rung=prune_containers" in line or "rung=fstrim" in line))


def report(got, log_path, args):
    # systemd arms the watchdog once the start is complete (READY=1): gaps are counted from there
    ready = next((t for t, message in got if "READY=1" in message), 0.0)
    beats = [t for t, message in got if "WATCHDOG=1" in message and t >= ready]
    gaps = [b - a for a, b in zip([ready] + beats, beats)]
    with open(log_path) as f:
        actions = [line.rstrip() for line in f if " action." in line]
    print(args.exe)
    print("dockerd frozen, {} exited containers, removal_timeout {} s, fstrim slowed by {} s".format(
        args.containers, args.removal_timeout, args.slow_fstrim))
    for line in actions:
        print("  " + line[:200])
    print("READY after {:.1f} s; watchdog pings after it: {}, over {:.0f} s; longest gap {:.1f} s (goal < {} s)".format(
        ready, len(beats), got[-1][0] - ready if got else 0, max(gaps) if gaps else float("nan"),
        WATCHDOG_SECONDS // 2))


if __name__ == "__main__":
    main()
