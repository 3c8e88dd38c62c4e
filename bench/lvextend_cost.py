"""What an in-process lvextend costs the daemon, under a writer: three ways of running it.

Runs INSIDE the test-bed guest (real dm-thin, LVM 2.03.16):
    .venv/bin/python tests/bed/run.py --timeout 900 -- .venv/bin/python bench/lvextend_cost.py
One LVM pool like grow_race's (1 GiB, 64K chunks, a 4 GiB thin LV with xfs, its own
LVM_SYSTEM_DIR, not monitored), a writer at ~100 MB/s into it the whole time. Each variant runs
in a fresh process of its own (glibc settings cannot be undone), in turns, --rounds times: an
lvs first (the daemon's warm-up), then --grows in-process `lvextend -l +4` with the daemon's
--config, one a second. Measured: lvextend called -> the pool's table shows the larger size
(a thread reading its status every 3 ms by ioctl), and the process' RSS after.
  callback         every LVM log line through the Python callback, the reserve given back
                   after each suspend (the library as it was before quiet lvextend)
  quiet            lvextend without the callback, errors to its log file (quiet_line)
  quiet+reserve    the same, LVM's reserved memory kept resident (the daemon's way)
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from grow_race import LvmPool  # noqa: E402
from guardian.act.grow_lvm import UNMONITORED, UNPINNED  # noqa: E402
from guardian.host import devmapper, lvm_library  # noqa: E402
from tests.integration.bedlib import SCRATCH, sh  # noqa: E402

VARIANTS = ("callback", "quiet", "quiet+reserve")


def data_blocks(dm_name):
    return int(devmapper.target_lines(dm_name)[0].split()[6].split("/")[1])


def time_to_grown(library, line, dm_name):
    """Seconds from calling the command to the pool's larger size, seen every 3 ms."""
    before, seen, stop = data_blocks(dm_name), [], threading.Event()

    def watch():
        while not stop.is_set() and not seen:
            if data_blocks(dm_name) > before:
                seen.append(time.perf_counter())
            time.sleep(0.003)
    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.perf_counter()
    result = library.run(line)
    stop.set()
    watcher.join()
    if result.returncode != 0:
        raise RuntimeError("{}: {}".format(line, result.stderr.strip()[:200]))
    return (seen[0] if seen else time.perf_counter()) - started


def one_variant(variant, vg, dm_name, grows):
    """In a process of its own: the warm-up lvs, then the timed grows; prints a JSON line."""
    if variant == "callback":
        lvm_library.QUIET_COMMANDS = frozenset()
    if variant != "quiet+reserve":
        lvm_library._keep_lvm_reserve_resident = lambda: None
    library = lvm_library.lvm_library()
    library.run("lvs --noheadings -o vg_free {}/pool".format(vg))
    times = []
    for _ in range(grows):
        time.sleep(1)
        times.append(time_to_grown(library, "lvextend --config {}{} -l +4 {}/pool".format(
            UNMONITORED, UNPINNED, vg), dm_name))
    with open("/proc/self/status") as handle:
        rss = int(next(line.split()[1] for line in handle if line.startswith("VmRSS:")))
    print(json.dumps({"variant": variant, "times": times, "rss_kib": rss}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--grows", type=int, default=4)
    args = parser.parse_args()
    pool = LvmPool("costvg", False, 100)
    mnt = os.path.join(SCRATCH, "mnt-cost")
    writer = None
    try:
        sh("mkfs.xfs -q -f {0} && mkdir -p {1} && mount {0} {1}".format(pool.thin_path, mnt))
        pool.lvm("lvchange --monitor n {}/pool".format(pool.vg))
        # 3 GiB files, deleted and written again, at ~100 MB/s, for as long as it takes
        writer = subprocess.Popen(["bash", "-c", "while true; do rm -f {0}/w*; {1} {2} --writer {0} 0 {3} 100e6; done".format(
            mnt, sys.executable, os.path.join(HERE, "grow_race.py"), 3 << 30)],
            stdout=subprocess.DEVNULL, start_new_session=True)
        time.sleep(3)
        rows = {v: [] for v in VARIANTS}
        for _ in range(args.rounds):
            for variant in VARIANTS:
                code = "from lvextend_cost import one_variant; one_variant({!r}, {!r}, {!r}, {})".format(
                    variant, pool.vg, pool.dm_name, args.grows)
                text = subprocess.run([sys.executable, "-c", code], env=dict(pool.env, PYTHONPATH=HERE),
                                      stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout
                rows[variant].append(json.loads(text.strip().splitlines()[-1]))
        print("| variant | first lvextend -> grown, median | later ones, median / max | RSS after |")
        print("|---|---|---|---|")
        for variant in VARIANTS:
            firsts = [r["times"][0] for r in rows[variant]]
            later = [t for r in rows[variant] for t in r["times"][1:]]
            print("| {} | {:.3f} s | {:.3f} / {:.3f} s | {:.0f} MiB |".format(
                variant, statistics.median(firsts), statistics.median(later), max(later),
                statistics.median(r["rss_kib"] for r in rows[variant]) / 1024))
    finally:
        if writer:
            os.killpg(writer.pid, 9)
            writer.wait()
            time.sleep(1)
        sh("umount {}".format(mnt), check=False)
        pool.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
