"""Growing a thin pool under fire: LVM's dmeventd vs pool-guardian, side by side in one guest boot.

Runs INSIDE the test-bed guest (real dm-thin, real LVM 2.03.16 and dmeventd):
    .venv/bin/python tests/bed/run.py --timeout 1500 -- .venv/bin/python bench/grow_race.py
Arms (each a 1 GiB pool, 64K chunks, a 4 GiB thin volume with xfs, high mark / threshold 70%):
  dmeventd   LVM pool on a loop PV, thin_pool_autoextend_threshold=70, _percent=20, `dmeventd -f`
             with a private LVM_SYSTEM_DIR
  pg-loop    pool-guardian (`run`, enforce, grow only) on a bare loop-lvm pool (two loop files)
  pg-lvm     pool-guardian on an LVM pool like the first, not monitored; lvs, lvm config and
             lvextend run as processes, with the arm's LVM_SYSTEM_DIR (the same lvm.conf as
             dmeventd's but monitoring = 0 and threshold 100)
Scenarios: ~100 MB/s (paced 1 MiB writes), one unthrottled writer, two unthrottled writers; each
writer does O_DIRECT 1 MiB writes into 64 MiB files until the writers together wrote --total.
Measured from outside the grower: a thread waits on the pool's dm events and a sampler reads its
status every 20 ms (both by ioctl, with --noflush: a look commits nothing in the pool).
Crossing = first look at >= 70% since the last growth; grown = first look at a larger data size.
Peak = highest used/total seen. Out of space = a look at a mode other than rw, or a write that
failed.
"""
import argparse
import json
import mmap
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from guardian.host import devmapper  # noqa: E402
from tests.integration.bedlib import SCRATCH, out, sh  # noqa: E402
from tests.integration.bedlib.guardian import Guardian  # noqa: E402
from tests.integration.bedlib.pools import ThinPool  # noqa: E402

MiB = 1 << 20
GiB = 1 << 30
THRESHOLD = 70

LVM_CONF = """\
config {{ checks = 0 }}
devices {{ use_devicesfile = 0 scan_lvs = 0 obtain_device_list_from_udev = 0 }}
activation {{ udev_sync = 1 udev_rules = 1 monitoring = {monitoring}
  thin_pool_autoextend_threshold = {threshold} thin_pool_autoextend_percent = 20 }}
global {{ use_lvmpolld = 0 }}
dmeventd {{ executable = "/usr/sbin/dmeventd" }}
"""

GUARDIAN_CONF = """\
mode: enforce
pool: {{name: {pool}, docker_host: "unix:///run/none.sock", docker_timeout: 1s}}
watermarks:
  data: {{warning: 60%, high: {high}%, low: 65%, critical: 95%}}
events: {{device_mapper: true, udev: true, arm_low_water_mark: "yes"}}
schedule: {{poll_interval: 10s}}
ladder:
  order: [grow]
  prune_containers: {{enabled: false}}
  fstrim: {{enabled: false}}
  grow: {{enabled: true, cooldown: 1s, budget: 1000, step: {step}, min_step: {min_step},
         absorb: {absorb}, max_data_size: {max_data}, reserve: 5%}}
log: {{target: console, level: {log_level}}}
"""


# ---------------------------------------------------------------------------- the writer process
def writer(directory, index, total, rate, file_bytes=64 * MiB, chunk=MiB):
    """O_DIRECT writes of `chunk` into files of `file_bytes` until `total`; prints a JSON line."""
    buf = mmap.mmap(-1, chunk)
    buf.write(b"\x5a" * chunk)
    written, errors, started, n = 0, [], time.time(), 0
    while written < total and len(errors) < 3:
        path = os.path.join(directory, "w{}-{}".format(index, n))
        n += 1
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_DIRECT, 0o644)
        try:
            done = 0
            while done < file_bytes and written < total:
                if rate:
                    ahead = written / rate - (time.time() - started)
                    if ahead > 0:
                        time.sleep(ahead)
                try:
                    os.write(fd, buf)
                except OSError as exc:
                    errors.append("{}: {}".format(path, exc.strerror))
                    break
                done += chunk
                written += chunk
        finally:
            os.close(fd)
    seconds = time.time() - started
    print(json.dumps({"written": written, "seconds": seconds, "errors": errors}))


# ---------------------------------------------------------------------------- the observer
class Watch:
    """dm events + a 20 ms status sampler on the pool; every look is (time, used, total, mode)."""

    def __init__(self, dm_name, period=0.02):
        self.name, self.period = dm_name, period
        self.looks, self.grows = [], []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._events, daemon=True),
                        threading.Thread(target=self._sample, daemon=True)]
        self.event_nr = devmapper.device_info(dm_name).event_nr
        for t in self.threads:
            t.start()

    def look(self):
        lines = devmapper.target_lines(self.name)
        if not lines:
            raise devmapper.DevmapperError("no table")
        words = lines[0].split()
        if words[4] == "Fail":
            with self.lock:
                self.looks.append((time.time(), 0, 1, "Fail"))
            return 0, 1
        used, total = (int(x) for x in words[6].split("/"))
        with self.lock:
            self.looks.append((time.time(), used, total, words[8]))
        return used, total

    def _events(self):
        while not self.stop.is_set():
            try:
                self.event_nr = devmapper.wait_for_event(self.name, self.event_nr).event_nr
                self.look()
            except devmapper.DevmapperError:
                return

    def _sample(self):
        while not self.stop.is_set():
            try:
                self.look()
            except devmapper.DevmapperError:
                pass
            time.sleep(self.period)

    def finish(self):
        self.stop.set()
        self.threads[1].join()
        return analyse(sorted(self.looks))


def analyse(looks):
    """Crossing -> grown latencies (and both times, to read beside a daemon's log), peak used
    share, whether it ever left rw."""
    latencies, crossings, crossed, total, peak, modes = [], [], None, None, 0.0, set()
    for t, used, size, mode in looks:
        modes.add(mode)
        if total is not None and size > total:
            if crossed is not None:
                latencies.append(t - crossed)
                crossings.append((crossed, t))
            crossed = None
        total = size
        share = used * 100.0 / size
        peak = max(peak, share)
        if crossed is None and share >= THRESHOLD:
            crossed = t
    return {"latencies": latencies, "crossings": crossings, "peak": peak, "modes": sorted(modes),
            "final_total_blocks": total, "unresolved_crossing": crossed is not None}


# ---------------------------------------------------------------------------- the pools
class LvmPool:
    """A VG on a loop PV with a 1 GiB thin pool and a thin LV; its own LVM_SYSTEM_DIR."""

    def __init__(self, name, monitoring, threshold):
        self.vg = name
        self.sysdir = tempfile.mkdtemp(prefix="lvm-" + name)
        with open(os.path.join(self.sysdir, "lvm.conf"), "w") as f:
            f.write(LVM_CONF.format(monitoring=1 if monitoring else 0, threshold=threshold))
        self.env = dict(os.environ, LVM_SYSTEM_DIR=self.sysdir, LVM_SUPPRESS_FD_WARNINGS="1")
        self.image = os.path.join(SCRATCH, name + ".pv")
        sh("truncate -s 8G " + self.image)
        self.loop = out("losetup -f --show " + self.image)
        self.lvm("pvcreate -q {0} && vgcreate -q {1} {0}".format(self.loop, self.vg))
        # not monitored yet: lvcreate would start (or register with) whatever dmeventd it finds
        self.lvm("lvcreate -q -y --type thin-pool --monitor n -Zn -c 64k -L 1G --poolmetadatasize 64M "
                 "-n pool {}".format(self.vg))
        self.lvm("lvcreate -q -y -V 4G -T {0}/pool -n thin".format(self.vg))
        sh("udevadm settle")
        self.dm_name = "{}-pool-tpool".format(self.vg)
        self.thin_path = "/dev/mapper/{}-thin".format(self.vg)

    def lvm(self, command, check=True):
        return sh(command, env=self.env, check=check, timeout=300)

    def destroy(self):
        self.lvm("lvchange --monitor n {}/pool".format(self.vg), check=False)
        self.lvm("vgremove -q -ff " + self.vg, check=False)
        self.lvm("pvremove -q -ff " + self.loop, check=False)
        sh("losetup -d " + self.loop, check=False)
        os.unlink(self.image)


class LoopPool:
    def __init__(self):
        self.pool = ThinPool(data_size=GiB, meta_size=64 * MiB)
        self.thin = self.pool.create_thin(4 * GiB)
        self.dm_name = self.pool.name
        self.thin_path = self.thin.path

    def destroy(self):
        self.pool.destroy()


# ---------------------------------------------------------------------------- one race
def race(arm, scenario, args, log):
    writers, rate = {"100MB/s": (1, 100e6), "full-1": (1, 0), "full-2": (2, 0)}[scenario]
    dmeventd = guardian = None
    pool = LvmPool("racevg", True, THRESHOLD) if arm == "dmeventd" else \
        LvmPool("pgvg", False, 100) if arm == "pg-lvm" else LoopPool()
    mnt = os.path.join(SCRATCH, "mnt-" + arm)
    try:
        sh("mkfs.xfs -q -f {}".format(pool.thin_path))
        os.makedirs(mnt, exist_ok=True)
        sh("mount {} {}".format(pool.thin_path, mnt))
        if arm == "dmeventd":
            # A dmeventd already running (started by an earlier lvcreate with the default lvm.conf,
            # which has no autoextend) would take the registration and never grow: ours must be
            # it. It ignores SIGTERM while it monitors anything, hence SIGKILL.
            sh("pkill -9 -x dmeventd; sleep 1", check=False)
            dmeventd = subprocess.Popen(["dmeventd", "-f"], env=pool.env, stdout=log, stderr=log)
            time.sleep(1)
            if dmeventd.poll() is not None:
                raise RuntimeError("dmeventd -f exited {} (another one running?)".format(dmeventd.returncode))
            pool.lvm("lvchange --monitor y {}/pool".format(pool.vg))
            sh("dmsetup table " + pool.dm_name + " >&2")
        else:
            if arm == "pg-lvm":
                # The guest's udev autoactivation may have dmeventd monitor it (threshold 100):
                # the race is against no other grower, so no monitoring.
                pool.lvm("lvchange --monitor n {0}/pool; lvs -o lv_name,seg_monitor {0}/pool >&2".format(pool.vg))
            # pool-guardian's LVM commands read the arm's lvm.conf, as dmeventd's do
            os.environ["LVM_SYSTEM_DIR"] = getattr(pool, "sysdir", "/etc/lvm")
            guardian = Guardian(tempfile.mkdtemp())
            guardian.write_config(GUARDIAN_CONF.format(
                pool=pool.dm_name, high=THRESHOLD, step=args.step, min_step=args.min_step,
                absorb=args.absorb, max_data=args.max_data, log_level=args.log_level))
            guardian.start_daemon()
            deadline = time.time() + 60
            while time.time() < deadline:   # armed: the low water mark is set from the 70% mark
                if out("dmsetup table " + pool.dm_name).split()[6] != "0":
                    break
                time.sleep(0.3)
            time.sleep(1)
        watch = Watch(pool.dm_name)
        started = time.time()
        procs = [subprocess.Popen([sys.executable, __file__, "--writer", mnt, str(i),
                                   str(args.total // writers), str(rate / writers)],
                                  stdout=subprocess.PIPE, universal_newlines=True) for i in range(writers)]
        results = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
        seconds = time.time() - started
        time.sleep(1)
        seen = watch.finish()
        if guardian:    # what the daemon holds after its grows
            seen["daemon_rss_kib"] = rss_kib(guardian.daemons[0].pid)
        written = sum(r["written"] for r in results)
        errors = [e for r in results for e in r["errors"]]
        row = dict(arm=arm, scenario=scenario, mbps=written / seconds / 1e6, errors=errors,
                   **seen)
        return row
    finally:
        if guardian:
            guardian.stop_daemons()
            for p in guardian.daemons:
                log.write(open(p.log_path).read().encode())
        sh("umount {}".format(mnt), check=False)
        if dmeventd:
            pool.lvm("lvchange --monitor n {}/pool".format(pool.vg), check=False)
            dmeventd.terminate()
            dmeventd.wait()
        pool.destroy()
        log.flush()


def rss_kib(pid):
    with open("/proc/{}/status".format(pid)) as handle:
        return int(next(line.split()[1] for line in handle if line.startswith("VmRSS:")))


def fmt(row):
    lat = row["latencies"]
    oos = "yes" if (row["errors"] or set(row["modes"]) - {"rw"}) else "no"
    return "| {} | {} | {:.0f} | {:.1f}% | {} | {} | {} |".format(
        row["arm"], row["scenario"], row["mbps"], row["peak"], oos,
        "{:.2f} / {:.2f} s".format(statistics.median(lat), max(lat)) if lat else "-",
        "{} grows{}{}{}".format(len(lat), ", errors: " + "; ".join(row["errors"][:2]) if row["errors"] else "",
                                ", crossing never resolved" if row["unresolved_crossing"] else "",
                                ", RSS after {:.0f} MiB".format(row["daemon_rss_kib"] / 1024) if "daemon_rss_kib" in row else ""))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--writer":
        directory, index, total, rate = sys.argv[2:6]
        writer(directory, int(index), int(total), float(rate))
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("--arms", default="dmeventd,pg-loop,pg-lvm")
    parser.add_argument("--scenarios", default="100MB/s,full-1,full-2")
    parser.add_argument("--total", type=int, default=3 * GiB)
    parser.add_argument("--step", default="20%")
    parser.add_argument("--min-step", default="64M")
    parser.add_argument("--max-data", default="6G")
    parser.add_argument("--absorb", default="30s", help="grow.absorb; 0s for fixed 20%% steps like LVM's")
    parser.add_argument("--log-level", default="info", help="the daemons' log level (debug: every command's time)")
    parser.add_argument("--json", default=os.path.join(os.environ.get("BED_OUT", "/tmp"), "grow_race.json"))
    args = parser.parse_args()
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    log = open(os.path.splitext(args.json)[0] + ".log", "wb")
    print("| grower | writer | MB/s | peak used | out of space | crossing -> grown, median / max | notes |")
    print("|---|---|---|---|---|---|---|")
    cases = [("{} | {}".format(arm, scenario), (lambda a=arm, s=scenario: race(a, s, args, log)))
             for scenario in args.scenarios.split(",") for arm in args.arms.split(",")]
    print_rows(cases, fmt, args.json)
    return 0


def print_rows(cases, fmt, json_path):
    """Run each (label, run) case and print its row at once; a failed case prints why, and the
    others' numbers are kept (also as JSON in json_path)."""
    rows = []
    os.makedirs(os.path.dirname(os.path.abspath(json_path)), exist_ok=True)
    for label, run in cases:
        try:
            row = run()
        except Exception as exc:
            print("| {} | failed: {} |".format(label, str(exc).replace("\n", " ")[:300]))
            sys.stdout.flush()
            continue
        rows.append(row)
        print(fmt(row))
        sys.stdout.flush()
        with open(json_path, "w") as f:
            json.dump(rows, f, indent=1)
    return rows


if __name__ == "__main__":
    sys.exit(main())
