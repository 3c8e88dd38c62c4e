"""Idle cost of `pool-guardian run`: CPU share of one core and resident memory over a window.

Runs the daemon from the project's .venv (the el7 pins on CPython 3.6) with the shipped default
config, samples /proc every few seconds, and counts the CPU of the commands it runs (dmsetup)
through cutime/cstime. Usage: .venv/bin/python bench/idle_cost.py [--seconds 600] [--results FILE]
"""
import argparse
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def cpu_seconds(pid):
    """utime+stime of the daemon and of the children it has waited for."""
    with open("/proc/{}/stat".format(pid)) as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / float(TICKS)


def rss_bytes(pid):
    with open("/proc/{}/statm".format(pid)) as handle:
        return int(handle.read().split()[1]) * PAGE


def measure(seconds, sample_every=5.0):
    daemon = subprocess.Popen([os.path.join(ROOT, ".venv", "bin", "pool-guardian"), "--config",
                               os.path.join(ROOT, "etc", "config.yaml"), "run"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(10)                       # start-up (imports) is not idle cost
        start_cpu, start = cpu_seconds(daemon.pid), time.monotonic()
        peak = 0
        while time.monotonic() - start < seconds:
            time.sleep(sample_every)
            peak = max(peak, rss_bytes(daemon.pid))
        used = cpu_seconds(daemon.pid) - start_cpu
        return used / (time.monotonic() - start) * 100.0, peak
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(15)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=600)
    args = parser.parse_args()
    percent, peak = measure(args.seconds)
    verdict = "PASS" if percent < 0.5 and peak < 60 * 2 ** 20 else "FAIL"
    print("idle over {:.0f} s: {:.3f}% of one core, peak RSS {:.1f} MiB (targets < 0.5%, < 60 MiB): {}".format(
        args.seconds, percent, peak / 2.0 ** 20, verdict))
    print("python {}".format(sys.version.split()[0]))
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
