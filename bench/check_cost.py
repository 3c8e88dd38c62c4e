"""What one `pool-guardian check` costs: wall time, processes, Docker calls, peak memory.

Runs INSIDE the test-bed guest (real dm-thin):
    .venv/bin/python tests/bed/run.py --timeout 900 -- .venv/bin/python bench/check_cost.py
One bare pool (256 MiB data) with one thin device, no daemon; `check` run --repeat times as NRPE
runs it (a fresh process each time), then once under strace to count the processes it starts and
the sockets it connects to, and once under /usr/bin/time for its peak RSS.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.integration.bedlib import REPO, out  # noqa: E402
from tests.integration.bedlib.pools import ThinPool  # noqa: E402

EXE = os.path.join(REPO, ".venv", "bin", "pool-guardian")


def timed(argv):
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def traced(argv, trace="/tmp/check.strace"):
    subprocess.run(["strace", "-f", "-qq", "-o", trace, "-e", "trace=execve,connect"] + argv,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(trace) as handle:
        lines = handle.read().splitlines()
    execs = [l for l in lines if "execve(" in l and "= 0" in l]
    connects = [l for l in lines if "connect(" in l and "sun_path" in l]
    return execs, connects


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    pool = ThinPool(data_size=256 << 20)
    try:
        pool.create_thin(512 << 20)
        for label, extra in (("check", []), ("check --time-warning 6h", ["--time-warning", "6h"])):
            argv = [EXE, "check"] + extra
            times = sorted(timed(argv) for _ in range(args.repeat))
            execs, connects = traced(argv)
            rss = out("/usr/bin/time -f %M {} 2>&1 >/dev/null | tail -1".format(" ".join(argv)))
            print("| `{}` | {:.2f} s | {:.2f}-{:.2f} s | {} | {} | {} KiB |".format(
                label, statistics.median(times), times[0], times[-1], len(execs),
                len(connects), rss))
            for line in execs + connects:
                print("    " + line[:160])
    finally:
        pool.destroy()


if __name__ == "__main__":
    main()
