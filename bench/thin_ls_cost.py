"""What one read of the pool's usage costs (thin_ls on a metadata snapshot) as the pool holds 100,
300 and 1,000 thin devices: the figure the daemon's usage schedule (metrics.usage_interval) is set
from (issue 31 part 5).

Runs INSIDE the test-bed guest (real dm-thin):
    BED_SLOTS=1 .venv/bin/python tests/bed/run.py --timeout 2400 -c '.venv/bin/python bench/thin_ls_cost.py'

Docker's shape, bare (tests/integration/bedlib/sharing.py): ROUNDS rounds of an image written in full,
two layers and four containers each rewriting part of what it shares; then containers that wrote
nothing yet (a snapshot of a round's top layer, made by message alone, as `docker create` does)
until the pool holds 300 devices, then 1,000; then DIVERGED of those write DIVERGE_MIB each (their
btrees part from their image's). At each step: the read the daemon makes
(guardian.tools.top.read_usage: status, reserve_metadata_snap, thin_ls, release) timed RUNS times,
and thin_ls alone once. A JSON of every run goes to $BED_OUT/thin_ls_cost.json.
"""
import json
import os
import statistics
import sys
import time
from typing import NamedTuple

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from guardian.host.door import HostDoor  # noqa: E402
from guardian.report.log import configure_logging  # noqa: E402
from guardian.tools import top  # noqa: E402
from tests.integration.bedlib import sh  # noqa: E402
from tests.integration.bedlib.pools import ThinPool  # noqa: E402
from tests.integration.bedlib.sharing import CONTAINERS, LayeredFill  # noqa: E402

MiB = 1 << 20
ROUNDS = 12
COUNTS = (100, 300, 1000)
RUNS = 5
DIVERGED, DIVERGE_MIB = 100, 8


def diverge(pool, device_ids):
    """Containers that wrote: each device activated, DIVERGE_MIB of random data written where its
    image had data (breaking the sharing there, as a container's writes do), deactivated."""
    for n, dev in enumerate(device_ids):
        name = "{}-w{}".format(pool.name, dev)
        sh("dmsetup create {} --table '0 {} thin {} {}'".format(name, 64 * MiB // 512, pool.path, dev))
        try:
            sh("dd if=/dev/urandom of=/dev/mapper/{} bs=64K count={} seek={} oflag=direct status=none".format(
                name, DIVERGE_MIB * 16, (n * 97) % (1024 - DIVERGE_MIB * 16)))
        finally:
            sh("dmsetup remove --retry " + name, check=False)


class PoolRef(NamedTuple):
    """What read_usage needs of a pool: its dm name and its metadata device (MAJ:MIN)."""
    name: str
    metadata_dev: str


def metadata_dev(loop):
    st = os.stat(loop)
    return "{}:{}".format(os.major(st.st_rdev), os.minor(st.st_rdev))


def measure(host, ref, pool, count, mapped_note):
    timings, rows = [], []
    for _ in range(RUNS):
        started = time.monotonic()
        text = top.read_usage(host, ref)
        timings.append(time.monotonic() - started)
        rows = top.parse_thin_ls(text)
    started = time.monotonic()
    sh("dmsetup message {} 0 reserve_metadata_snap".format(pool.name))
    try:
        sh("thin_ls --metadata-snap --format {} {} > /dev/null".format(top.THIN_LS_FORMAT, pool.meta_loop),
           timeout=3600)
        thin_ls_alone = time.monotonic() - started
    finally:
        sh("dmsetup message {} 0 release_metadata_snap".format(pool.name))
    status = pool.status()
    result = {"devices": count, "rows": len(rows), "mapped_blocks": sum(r.mapped_blocks for r in rows),
              "exclusive_blocks": sum(r.exclusive_blocks for r in rows),
              "metadata_used_blocks": status["metadata_used_blocks"], "data_used_blocks": status["data_used_blocks"],
              "read_usage_seconds": [round(t, 3) for t in timings],
              "read_usage_median": round(statistics.median(timings), 3),
              "thin_ls_with_snapshot_seconds": round(thin_ls_alone, 3), "note": mapped_note}
    print(json.dumps(result), flush=True)
    return result


def main():
    log = configure_logging("warning", "console")
    out = os.environ.get("BED_OUT", "/tmp")
    pool = ThinPool(data_size=3072 * MiB, meta_size=128 * MiB, name="lscost")
    results = []
    try:
        host = HostDoor(log, timeout=600)
        ref = PoolRef(pool.name, metadata_dev(pool.meta_loop))
        fill = LayeredFill(pool)
        started = time.monotonic()
        tops = []
        for n in range(ROUNDS):
            fill.round(n)
            tops.append(fill.next_id - CONTAINERS - 1)      # the round's top layer
        print("written: {} devices in {:.0f} s".format(fill.next_id, time.monotonic() - started), flush=True)
        results.append(measure(host, ref, pool, fill.next_id, "written devices only"))
        for count in COUNTS[1:] if fill.next_id >= COUNTS[0] else COUNTS:
            while fill.next_id < count:
                origin = tops[fill.next_id % len(tops)]
                sh("dmsetup message {} 0 'create_snap {} {}'".format(pool.name, fill.next_id, origin))
                fill.next_id += 1
            results.append(measure(host, ref, pool, fill.next_id, "and unwritten container snapshots"))
        diverge(pool, range(COUNTS[0], fill.next_id, (fill.next_id - COUNTS[0]) // DIVERGED))
        results.append(measure(host, ref, pool, fill.next_id, "{} of those then wrote {} MiB each".format(
            DIVERGED, DIVERGE_MIB)))
    finally:
        with open(os.path.join(out, "thin_ls_cost.json"), "w") as f:
            json.dump({"kernel": os.uname().release, "thin_ls": sh("thin_ls -V").stdout.strip(),
                       "results": results}, f, indent=2)
        pool.destroy()


if __name__ == "__main__":
    main()
