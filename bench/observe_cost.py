"""What one look at the kernel costs the daemon on a host with many thin devices.

Runs INSIDE the test-bed guest (real dm-thin):
    .venv/bin/python tests/bed/run.py --timeout 900 -- .venv/bin/python bench/observe_cost.py
One pool (4 GiB data, 64K chunks) with --thins active thin devices, as on a Docker host with a
thin device per running container; one of them has xfs and, in the second half, a writer
(`dd bs=1M conv=fsync` into 64 MiB files, through the page cache, as containers write).
Timed --repeat times idle, then as often under the writer: pool_lines_by_ioctl(), the status of
every device, then the table of the thin-pools, as the daemon and the one-shot commands look.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from guardian.host.kernel import pool_lines_by_ioctl  # noqa: E402
from tests.integration.bedlib import SCRATCH, sh  # noqa: E402
from tests.integration.bedlib.pools import ThinPool  # noqa: E402

GiB = 1 << 30
WRITER = "while true; do i=0; while [ $i -lt 16 ]; do dd if=/dev/zero of={0}/f$i bs=1M count=64 " \
         "conv=fsync 2>/dev/null; i=$((i+1)); done; rm -f {0}/f*; done"


def timed(look):
    started = time.perf_counter()
    look()
    return time.perf_counter() - started


def row(label, writer, times):
    times = sorted(times)
    return "| {} | {} | {:.1f} ms | {:.1f} ms |".format(
        label, writer, statistics.median(times) * 1e3, times[int(len(times) * 0.9)] * 1e3)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--thins", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    pool = ThinPool(data_size=4 * GiB, meta_size=64 << 20)
    mnt = os.path.join(SCRATCH, "mnt-observe")
    writer = None
    names = ["{}-thin{}".format(pool.name, i) for i in range(args.thins)]
    try:
        sh("; ".join("dmsetup message {0} 0 'create_thin {1}' && dmsetup create {2} --table '0 {3} thin {4} {1}'".format(
            pool.name, i, name, GiB // 512, pool.path) for i, name in enumerate(names)) + "; udevadm settle", timeout=1200)
        sh("mkfs.xfs -q -f /dev/mapper/{0} && mkdir -p {1} && mount /dev/mapper/{0} {1}".format(names[0], mnt))
        print("| look ({} thin devices) | writer | median | 90th percentile |".format(args.thins))
        print("|---|---|---|---|")
        for label in ("idle", "dd conv=fsync"):
            if label != "idle":
                writer = subprocess.Popen(["bash", "-c", WRITER.format(mnt)], start_new_session=True)
                time.sleep(3)
            print(row("one look", label, [timed(pool_lines_by_ioctl) for _ in range(args.repeat)]))
            sys.stdout.flush()
    finally:
        if writer:
            os.killpg(writer.pid, 9)
            writer.wait()
        sh("umount {}".format(mnt), check=False)
        sh("; ".join("dmsetup remove {}".format(n) for n in names), check=False, timeout=1200)
        pool.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
