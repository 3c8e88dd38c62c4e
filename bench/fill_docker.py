"""Containers filling a Docker loop-lvm pool as fast as they can, with pool-guardian growing it.

Runs INSIDE the test-bed guest (real dm-thin, real dockerd 20.10 on devicemapper loop-lvm):
    .venv/bin/python tests/bed/run.py --timeout 2400 -- .venv/bin/python bench/fill_docker.py
Each run: a fresh dockerd with a 1 GiB loop data file (64 MiB metadata, dm.basesize 4G), the
daemon (`run`, enforce, ladder [grow], cooldown 1s, step 20%, min_step 64M, absorb 30s,
max_data_size 8G, reserve 5%), then K busybox containers that each write files of 64 MiB with
`dd bs=1M conv=fsync` until together they wrote --total. Event-driven: dm events and udev on,
the low water mark armed at the 70% high mark, poll 10 s. Poll-only: both off, poll 10 s (the
shipped default), with the writers started 0, 4 and 8 s after the daemon so that the
crossing falls at different points of the poll period. Measured from outside the daemon with
grow_race's watcher (dm events + a 20 ms status sampler, by ioctl): peak used share, whether
the pool ever left rw, crossing -> grown latencies, and every container's exit code (a failed write makes dd, and the container, fail).
Absorbed = pool never out of data space and every container exited 0.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from grow_race import Watch, print_rows  # noqa: E402  (bench/ is not a package)
from tests.integration.bedlib import SCRATCH, out  # noqa: E402
from tests.integration.bedlib.docker import IMAGE, Dockerd  # noqa: E402
from tests.integration.bedlib.guardian import Guardian  # noqa: E402

MiB = 1 << 20
GiB = 1 << 30
HIGH = 70

GUARDIAN_CONF = """\
mode: enforce
watermarks:
  data: {{warning: 60%, high: {high}%, low: 65%, critical: 95%}}
events: {{device_mapper: {events}, udev: {events}, arm_low_water_mark: "{arm}"}}
schedule: {{poll_interval: 10s, docker_info_interval: 60s}}
ladder:
  order: [grow]
  prune_containers: {{enabled: false}}
  fstrim: {{enabled: false}}
  grow: {{enabled: true, cooldown: 1s, budget: 1000, step: 20%, min_step: 64M, absorb: {absorb},
         max_data_size: 8G, reserve: 5%}}
log: {{target: console, level: info}}
"""

# Every container is started first and waits for /go/start (a bind mount outside the pool), so
# that the last one is not refused by Docker's own minimum free space while the first ones write.
WRITER = "while [ ! -e /go/start ]; do sleep 0.1; done; i=0; while [ $i -lt {files} ]; do " \
         "dd if=/dev/zero of=/fill$i bs=1M count=64 conv=fsync 2>/dev/null || exit 1; i=$((i+1)); done"


def start_guardian(dockerd, events, absorb, log):
    guardian = Guardian(tempfile.mkdtemp())
    guardian.write_config(GUARDIAN_CONF.format(high=HIGH, events="true" if events else "false",
                                               arm="yes" if events else "no", absorb=absorb))
    guardian.start_daemon()
    pool = dockerd.pool_name
    deadline = time.time() + 90
    while time.time() < deadline:
        if not events or out("dmsetup table " + pool).split()[6] != "0":
            break
        time.sleep(0.3)
    time.sleep(2)       # the first look is taken: the fill rate has a starting sample
    return guardian, pool


def run_one(writers, events, delay, args, log):
    dockerd = Dockerd(["dm.loopdatasize=1G", "dm.loopmetadatasize=64M", "dm.basesize=4G"])
    guardian = None
    try:
        guardian, pool = start_guardian(dockerd, events, args.absorb, log)
        files = args.total // writers // (64 * MiB)
        gate = tempfile.mkdtemp(dir=SCRATCH)
        names = ["fill{}".format(i) for i in range(writers)]
        for name in names:
            dockerd.docker("run", "-d", "--name", name, "-v", gate + ":/go:ro", IMAGE, "sh", "-c",
                           WRITER.format(files=files))
        time.sleep(delay)   # where the crossing falls in the 10 s poll period
        watch = Watch(pool)
        started = time.time()
        open(os.path.join(gate, "start"), "w").close()
        codes = [int(dockerd.docker("wait", name, timeout=1800).stdout.strip()) for name in names]
        seconds = time.time() - started
        time.sleep(1)
        seen = watch.finish()
        written = writers * files * 64 * MiB
        return dict(writers=writers, events=events, delay=delay, mbps=written / seconds / 1e6, codes=codes, **seen)
    finally:
        if guardian:
            guardian.stop_daemons()
            for p in guardian.daemons:
                log.write(open(p.log_path).read().encode())
        dockerd.stop()
        log.flush()


def fmt(row):
    lat = row["latencies"]
    absorbed = not any(row["codes"]) and set(row["modes"]) == {"rw"}
    return "| {} | {} | {:.0f} s | {:.0f} | {:.1f}% | {} | {} | {} | {} |".format(
        "event-driven" if row["events"] else "poll-only (10 s)", row["writers"], row["delay"], row["mbps"], row["peak"],
        ",".join(m for m in row["modes"]), " ".join(str(c) for c in row["codes"]),
        "{:.2f} / {:.2f} s ({} grows)".format(statistics.median(lat), max(lat), len(lat)) if lat else "-",
        "yes" if absorbed else "NO")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--writers", default="1,2,4")
    parser.add_argument("--modes", default="events,poll")
    parser.add_argument("--total", type=int, default=3 * GiB)
    parser.add_argument("--absorb", default="30s")
    parser.add_argument("--name", default="fill_docker", help="of the .json and .log files in $BED_OUT")
    parser.add_argument("--poll-delays", default="0,4,8",
                        help="seconds after the daemon's start at which poll-only writers start")
    args = parser.parse_args()
    outdir = os.environ.get("BED_OUT", "/tmp")
    log = open(os.path.join(outdir, args.name + ".log"), "wb")
    print("| daemon | containers | start delay | MB/s | peak used | pool modes seen | exit codes | "
          "crossing -> grown, median / max | absorbed |")
    print("|---|---|---|---|---|---|---|---|---|")
    cases = [("{} | {} | {}".format(mode, w, d), (lambda m=mode, w=int(w), d=float(d): run_one(w, m == "events", d, args, log)))
             for mode in args.modes.split(",") for w in args.writers.split(",")
             for d in (args.poll_delays.split(",") if mode == "poll" else ["0"])]
    print_rows(cases, fmt, os.path.join(outdir, args.name + ".json"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
