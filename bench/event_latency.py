"""Low-water-mark crossing -> the daemon's first journal entry: event-driven vs poll-only.

Runs INSIDE the test-bed guest (real dm-thin):
    .venv/bin/python tests/bed/run.py -- .venv/bin/python bench/event_latency.py [--runs 5]
Each run: a fresh 256 MiB pool, the daemon started, the pool filled to 12 blocks short of the data
high mark (80%), then 1 MiB more; the latency is from just before that write to the moment the
daemon's `pool.level_changed` line appears. Event-driven: poll every hour, dm events on. Poll-only:
events off, the default 10 s poll.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.integration.bedlib import sh  # noqa: E402
from tests.integration.bedlib.guardian import Guardian  # noqa: E402
from tests.integration.bedlib.pools import ThinPool, wait_until  # noqa: E402

CONFIG = """\
mode: observe
pool: {{name: {pool}, docker_host: "unix:///run/none.sock", docker_timeout: 1s}}
events: {{device_mapper: {events}, udev: {events}, arm_low_water_mark: "{events_yes}"}}
schedule: {{poll_interval: {poll}}}
log: {{target: console}}
"""
MODES = {"event-driven": dict(events="true", events_yes="yes", poll="1h"),
         "poll-only": dict(events="false", events_yes="no", poll="10s")}


def one_run(mode):
    pool = ThinPool(data_size=256 << 20)
    thin = pool.create_thin(250 << 20)
    guardian = Guardian(tempfile.mkdtemp())
    guardian.write_config(CONFIG.format(pool=pool.name, **MODES[mode]))
    daemon = guardian.start_daemon()
    try:
        wait_until(lambda: "pool.level_changed" in open(daemon.log_path).read(), timeout=60)
        sh("dd if=/dev/zero of={} bs=1M count=204 oflag=direct status=none".format(thin.path))
        time.sleep(2)
        seen = len(open(daemon.log_path).read().splitlines())
        started = time.time()
        sh("dd if=/dev/zero of={} bs=1M seek=204 count=1 oflag=direct status=none".format(thin.path))
        while True:
            lines = open(daemon.log_path).read().splitlines()[seen:]
            if any("pool.level_changed" in line and "pool_level=high" in line for line in lines):
                return time.time() - started
            if time.time() - started > 60:
                raise RuntimeError("no level change seen in 60 s")
            time.sleep(0.02)
    finally:
        guardian.stop_daemons()
        pool.destroy()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for mode in MODES:
        samples = [one_run(mode) for _ in range(args.runs)]
        print("{:<13} median {:.2f} s  max {:.2f} s  over {} crossings: {}".format(
            mode, statistics.median(samples), max(samples), len(samples),
            " ".join("{:.2f}".format(s) for s in samples)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
