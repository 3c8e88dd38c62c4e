"""Who holds a container's mount, with thousands of processes in hundreds of mount namespaces.

Runs on the HOST as root (no device-mapper needed):
    .venv/bin/python bench/holders_bench.py [--namespaces 200] [--per-namespace 10]
        [--holding 200] [--host-mounts 60] [--repeat 5]
First --host-mounts tmpfs mounts stand for the running containers' mounts on a Docker host
(a devicemapper/mnt/<hash> and a containers/<id>/shm each), which every new namespace copies.
Then `unshare -m` starts N - K namespaces of M sleepers, a tmpfs is mounted as the leaked
"container mount" (…/containers/<id>/mnt), K more namespaces start (only they copy it), and
the mount is unmounted on the host. Timed side by side, same run, same processes:
  find-busy-mnt.sh   `grep -l PATTERN /proc/*/mounts` (one grep over every process' mounts, as
                     Red Hat's find-busy-mnt.sh does; its ps per pid found is not counted)
  pool-guardian      guardian.observe.holders.find_holds (one process, one mountstats per
                     namespace) with the container matcher `pool-guardian busy` uses
The goal is 5x faster than grep.
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
GOAL = 5


def shell_way(pattern):
    """find-busy-mnt.sh's search: grep every /proc/*/mounts (one grep; the script's `ps` per pid
    found is left out, which only flatters it)."""
    script = "grep -l {0} /proc/[0-9]*/mounts 2>/dev/null".format(pattern)
    found = subprocess.run(["bash", "-c", script], stdout=subprocess.PIPE, universal_newlines=True).stdout
    return {int(line.split("/")[2]) for line in found.splitlines() if line.strip()}


def mount_tmpfs(path):
    os.makedirs(path, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "holders-bench", path], check=True)


def start_namespaces(count, per_namespace):
    sleepers = " ".join(["sleep 600 &"] * (per_namespace - 1)) + " exec sleep 600"
    return [subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c", sleepers],
                             start_new_session=True) for _ in range(count)]


def wait_for_sleepers(want):
    deadline = time.time() + 120
    count = 0
    while time.time() < deadline:
        count = int(subprocess.run("pgrep -c -f '^sleep 600$'", shell=True, stdout=subprocess.PIPE,
                                   universal_newlines=True).stdout or 0)
        if count >= want:
            break
        time.sleep(0.5)
    return count


def wait_for_gone():
    """The killed sleepers are reaped by init a little later; the next run must not count them."""
    deadline = time.time() + 60
    while time.time() < deadline and subprocess.run(["pgrep", "-f", "^sleep 600$"],
                                                    stdout=subprocess.DEVNULL).returncode == 0:
        time.sleep(0.2)


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
    parser.add_argument("--holding", type=int, default=None, help="namespaces holding it (default: all)")
    parser.add_argument("--host-mounts", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    holding = args.namespaces if args.holding is None else args.holding
    if os.geteuid() != 0:
        print("needs root (mount, unshare -m)")
        return 2
    top = tempfile.mkdtemp(prefix="holders-bench-")
    mnt = os.path.join(top, "containers", CONTAINER, "mnt")
    others = [os.path.join(top, "others", str(i)) for i in range(args.host_mounts)]
    leaders = []
    try:
        for path in others:
            mount_tmpfs(path)
        leaders += start_namespaces(args.namespaces - holding, args.per_namespace)
        wait_for_sleepers((args.namespaces - holding) * args.per_namespace)
        mount_tmpfs(mnt)
        leaders += start_namespaces(holding, args.per_namespace)
        count = wait_for_sleepers(args.namespaces * args.per_namespace)
        subprocess.run(["umount", mnt], check=True)      # only the namespaces hold it now
        total = len([n for n in os.listdir("/proc") if n.isdigit()])
        with open("/proc/self/mountinfo") as handle:
            lines = len(handle.read().splitlines())
        shell_t, guard_t = [], []
        for _ in range(args.repeat):
            t, shell_pids = timed(shell_way, CONTAINER)
            shell_t.append(t)
            t, guard_pids = timed(guardian_way)
            guard_t.append(t)
        print("{} processes on the host, {} sleepers in {} namespaces, {} of them holding the mount; "
              "{} mounts in the host's mountinfo".format(total, count, args.namespaces, holding, lines))
        print("find-busy-mnt.sh (grep -l /proc/*/mounts)    : median {:.3f} s (runs: {}), found {} pids".format(
            statistics.median(shell_t), " ".join("{:.3f}".format(x) for x in shell_t), len(shell_pids)))
        print("pool-guardian find_holds:                     median {:.3f} s (runs: {}), found {} pids".format(
            statistics.median(guard_t), " ".join("{:.3f}".format(x) for x in guard_t), len(guard_pids)))
        ratio = statistics.median(shell_t) / statistics.median(guard_t)
        print("ratio: {:.1f}x faster (goal {}x: {}); same holders: {}".format(
            ratio, GOAL, "met" if ratio >= GOAL else "NOT met", shell_pids == guard_pids))
    finally:
        for proc in leaders:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
        for proc in leaders:
            proc.wait()
        wait_for_gone()
        for path in [mnt] + others:
            subprocess.run(["umount", path], stderr=subprocess.DEVNULL)
        shutil.rmtree(top, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
