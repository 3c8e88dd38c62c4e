"""Who holds a container's mount, with thousands of processes in hundreds of mount namespaces.

Runs on the HOST as root (no device-mapper needed):
    .venv/bin/python bench/holders_bench.py [--namespaces 200] [--per-namespace 10] [--repeat 5]
A tmpfs is mounted as the "container mount" (…/containers/<id>/mnt), then `unshare -m` starts
N namespaces of M sleepers each (they all inherit a copy of the mount), then the mount is
unmounted on the host. Timed side by side, same run, same processes:
  find-busy-mnt.sh   `grep -l PATTERN /proc/*/mounts` (one grep over every process' mounts, as
                     Red Hat's find-busy-mnt.sh does; its ps per pid found is not counted)
  pool-guardian      guardian.observe.holders.find_holds (one mountinfo per namespace) with the
                     container matcher `pool-guardian busy` uses
Every sleeper is started here and killed here by its own process group.
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from guardian.observe.holders import container_mount_matcher, find_holds  # noqa: E402

CONTAINER = "c0ffee" * 10 + "c0ff"      # 64 hex characters


def shell_way(pattern):
    """find-busy-mnt.sh's search: grep every /proc/*/mounts (one grep; the script's `ps` per pid
    found is left out, which only flatters it)."""
    script = "grep -l {0} /proc/[0-9]*/mounts 2>/dev/null".format(pattern)
    found = subprocess.run(["bash", "-c", script], stdout=subprocess.PIPE, universal_newlines=True).stdout
    return {int(line.split("/")[2]) for line in found.splitlines() if line.strip()}


def guardian_way():
    holds = find_holds(container_mount_matcher(CONTAINER, None))
    return {h.pid for hold in holds for h in hold.holders}


def timed(fn, *args):
    started = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - started, value


def _stop(signum, frame):
    raise SystemExit(1)      # run the cleanup below on SIGTERM too


def main():
    signal.signal(signal.SIGTERM, _stop)
    parser = argparse.ArgumentParser()
    parser.add_argument("--namespaces", type=int, default=200)
    parser.add_argument("--per-namespace", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("needs root (mount, unshare -m)")
        return 2
    top = tempfile.mkdtemp(prefix="holders-bench-")
    mnt = os.path.join(top, "containers", CONTAINER, "mnt")
    os.makedirs(mnt)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "holders-bench", mnt], check=True)
    leaders = []
    try:
        sleepers = " ".join(["sleep 600 &"] * (args.per_namespace - 1)) + " exec sleep 600"
        for _ in range(args.namespaces):
            leaders.append(subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c", sleepers],
                                            start_new_session=True))
        want = args.namespaces * args.per_namespace
        deadline = time.time() + 120
        while time.time() < deadline:
            count = int(subprocess.run("pgrep -c -f '^sleep 600$'", shell=True, stdout=subprocess.PIPE,
                                       universal_newlines=True).stdout or 0)
            if count >= want:
                break
            time.sleep(0.5)
        subprocess.run(["umount", mnt], check=True)      # only the namespaces hold it now
        total = len([n for n in os.listdir("/proc") if n.isdigit()])
        shell_t, guard_t = [], []
        for _ in range(args.repeat):
            t, shell_pids = timed(shell_way, CONTAINER)
            shell_t.append(t)
            t, guard_pids = timed(guardian_way)
            guard_t.append(t)
        print("{} processes on the host, {} sleepers in {} namespaces holding the mount".format(
            total, count, args.namespaces))
        print("find-busy-mnt.sh (grep -l /proc/*/mounts)    : median {:.3f} s (runs: {}), found {} pids".format(
            statistics.median(shell_t), " ".join("{:.3f}".format(x) for x in shell_t), len(shell_pids)))
        print("pool-guardian find_holds:                     median {:.3f} s (runs: {}), found {} pids".format(
            statistics.median(guard_t), " ".join("{:.3f}".format(x) for x in guard_t), len(guard_pids)))
        print("ratio: {:.1f}x faster; same holders: {}".format(
            statistics.median(shell_t) / statistics.median(guard_t), shell_pids == guard_pids))
    finally:
        for proc in leaders:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
        for proc in leaders:
            proc.wait()
        subprocess.run(["umount", mnt], stderr=subprocess.DEVNULL)
        shutil.rmtree(top, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
