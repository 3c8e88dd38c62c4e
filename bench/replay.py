"""Replays a trace of Docker operations (bench/traces/*.jsonl) against each way of keeping a
devicemapper pool from filling, and measures what the workload suffered.

On the host it boots one test-bed guest for every trace and arm asked for (tests/bed/run.py) and
runs itself there:
    .venv/bin/python bench/replay.py [--traces steady,ci,leaky,churn] [--arms pg-grow,...]
    make bench-replay [REPLAY="--traces leaky --arms pg-grow,cron-prune-trim"]
In the guest, for each trace and each arm: a fresh dockerd 20.10 on devicemapper, started as
CentOS 7's docker.service ran it (its own slave mount namespace, deferred removal and deletion
off as in Docker 1.13, the default 10% free-space floor, dm.basesize 360M), on a 1 GiB pool:
  pg-grow          pool-guardian `run`, enforce, config PG_CONF with grow on (max_data_size 2G)
  pg-nogrow        the same with grow off
  cron-prune       `docker system prune -af` every --cron-minutes, from the host's namespace
  cron-prune-trim  `docker system prune -af; fstrim -av` every --cron-minutes, ditto
  lvm-cron         direct-lvm (a 1 GiB LVM thin pool in a 2 GiB VG), dmeventd autoextending it
                   (threshold 80, +20%), and the cron-prune-trim loop
  none             nothing acts (the trace's own pressure)
  pg-grow-without-RULE  pg-grow with one rule of the race taken out (bench/ablate.py: deadline, after-brake,
                   brake, beside, waiver, floor-mark, floor-horizon), to show what each earns;
                   RULE may join several with "+"; pg-nogrow-without-RULE the same with grow off
The operations are started on schedule, each in a thread (at most --concurrency at a time, those
on one container in order); one that starts more than 2 s after its time is counted late.
`dmsetup status` of the pool is sampled every second. One JSON line per arm (prefix RESULT) and a
table row; all of them also in $BED_OUT/replay.json, the daemon's and cron's logs beside it.

A write that fails inside a container is told apart by the container's own filesystem: under
16 MiB available there means the container filled its own filesystem; with room left, the pool
failed it. An operation refused for space is a docker command that Docker turned down (its
free-space floor, or no space) before any write of the workload.
"""
import argparse
import glob
import io
import itertools
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import traceback

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tests.integration.bedlib import ROOTFS_TAR, SCRATCH, in_guest, out, sh  # noqa: E402
from tests.integration.bedlib.docker import Dockerd  # noqa: E402

TRACES = os.path.join(REPO, "bench", "traces")
ARMS = ["pg-grow", "pg-nogrow", "cron-prune", "cron-prune-trim", "lvm-cron"]
HIGH = 80.0         # "seconds above high": the same mark for every arm, pool-guardian's high
MiB = 1 << 20
KEEP_LABEL = "pool-guardian.keep=true"
SPACE_REFUSAL = re.compile(r"free data blocks|no space left|out of space|thin pool.*(full|space)", re.I)
LATE = 2.0

# Timings scaled to a trace of minutes: the grace an operator gives exited containers (hours on a
# real host) is 30 s here, cooldowns and budgets to match.
PG_CONF = """\
mode: enforce
schedule: {{poll_interval: 5s, docker_info_interval: 20s}}
watermarks:
  data: {{warning: 70%, high: 80%, low: 65%, critical: 90%}}
ladder:
  order: [prune_containers, release_mounts, fstrim, prune_images, grow]
  backoff_initial: 10s
  backoff_max: 1m
  prune_containers: {{cooldown: 10s, budget: 100, grace: 30s}}
  release_mounts: {{enabled: true, cooldown: 10s, budget: 100}}
  fstrim: {{cooldown: 20s, budget: 100}}
  prune_images: {{enabled: true, cooldown: 30s, budget: 100}}
  grow: {{enabled: {grow}, cooldown: 5s, budget: 100, step: 20%, min_step: 128M, absorb: 30s,
         max_data_size: 2G, reserve: 5%}}
metrics: {{enabled: false}}
log: {{target: console, level: info}}
"""

LVM_CONF = """\
config { checks = 0 }
devices { use_devicesfile = 0 scan_lvs = 0 obtain_device_list_from_udev = 0 }
activation { udev_sync = 1 udev_rules = 1 monitoring = 1
  thin_pool_autoextend_threshold = 80 thin_pool_autoextend_percent = 20 }
global { use_lvmpolld = 0 }
dmeventd { executable = "/usr/sbin/dmeventd" }
"""

# What a workload container does: write, then say how it went and how much room its own
# filesystem has left (the tell between "my filesystem is full" and "the pool failed me").
WRITE = ('err=$(dd if=/dev/zero of={file} bs=1M count={mb} conv=fsync 2>&1); rc=$?; '
         'echo "REPLAY rc=$rc avail=$(df -Pk / | awk \'NR==2{{print $4}}\') err=$(echo $err | tail -c 80)"; exit $rc')
_serial = itertools.count(1)


def load_trace(name):
    with open(os.path.join(TRACES, name + ".jsonl")) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    return lines[0], lines[1:]


# ---------------------------------------------------------------------------- Docker, as on el7
class Docker(Dockerd):
    """The bed's dockerd in a slave mount namespace of its own (CentOS 7's MountFlags=slave), with
    deferred removal and deletion off as in Docker 1.13."""

    def __init__(self, storage_opts, log_dir):
        super().__init__(["dm.use_deferred_removal=false", "dm.use_deferred_deletion=false", "dm.basesize=360M"]
                         + storage_opts, data_root=os.path.join(SCRATCH, "replay-docker-{}".format(next(_serial))),
                         import_image=False, start_timeout=120, log_path=os.path.join(log_dir, "dockerd.log"),
                         wrapper=("unshare", "--mount", "--propagation", "slave"))
        self.pool = self.pool_name

    def docker(self, *args, check=True, timeout=600):
        return super().docker(*args, check=check, timeout=timeout)

    def mount_point(self, container):
        device = self.docker("inspect", "-f", "{{.GraphDriver.Data.DeviceName}}", container).stdout.strip()
        with open("/proc/{}/mountinfo".format(self.proc.pid)) as f:
            return next(line.split()[4] for line in f if "/dev/mapper/{} ".format(device) in line)


# ---------------------------------------------------------------------------- the arms
def guardian_for(arm):
    """pool-guardian for a pg- arm; `pg-grow-without-RULE` runs it through bench/ablate.py."""
    from tests.integration.bedlib.guardian import Guardian
    rule = arm.partition("-without-")[2]

    class Ablated(Guardian):
        def argv(self, args):
            return [sys.executable, os.path.join(REPO, "bench", "ablate.py"), rule] + super().argv(args)[1:]
    return (Ablated if rule else Guardian)(tempfile.mkdtemp())


class Arm:
    """Sets up the pool and Docker for one arm, starts what guards it, and tears both down."""

    def __init__(self, name, args, log_dir):
        self.name, self.args, self.log_dir = name, args, log_dir
        self.procs, self.lvm = [], None
        self.guardian = None
        if name == "lvm-cron":
            self.lvm = LvmPool(log_dir)
            self.docker = Docker(["dm.thinpooldev=/dev/mapper/" + self.lvm.pool_lv], log_dir)
            self.pool = self.lvm.dm_name()
        else:
            self.docker = Docker(["dm.loopdatasize=1G", "dm.loopmetadatasize=64M"], log_dir)
            self.pool = self.docker.pool

    def start(self):
        if self.name.startswith("pg-"):
            from tests.integration.bedlib.guardian import forget_daemon_state
            forget_daemon_state()
            self.guardian = guardian_for(self.name)
            self.guardian.write_config(PG_CONF.format(grow="true" if self.name.startswith("pg-grow") else "false"))
            daemon = self.guardian.start_daemon()
            deadline = time.time() + 120
            while "daemon.ready" not in open(daemon.log_path).read():
                if daemon.poll() is not None or time.time() > deadline:
                    raise RuntimeError("pool-guardian not ready: " + open(daemon.log_path).read()[-1500:])
                time.sleep(0.5)
        if self.name.startswith("cron-") or self.name == "lvm-cron":
            job = "docker system prune -af" + ("" if self.name == "cron-prune" else "; fstrim -av")
            loop = "while sleep {}; do date +%T; {}; done".format(int(self.args.cron_minutes * 60), job)
            self.procs.append(subprocess.Popen(["bash", "-c", loop], stdout=open(self.log("cron"), "w"),
                                               stderr=subprocess.STDOUT, start_new_session=True))

    def log(self, what):
        return os.path.join(self.log_dir, what + ".log")

    def actions(self):
        """What the guard did: pool-guardian's finished/failed rungs, or the cron runs."""
        if self.guardian:
            text = open(self.guardian.daemons[0].log_path).read()
            done = {}
            for line in text.splitlines():
                m = re.search(r"action\.(finished|failed|partly_done).*? rung=(\w+) outcome=(.*?) \w+=", line)
                if m and m.group(3) != "nothing to do" and m.group(2) != "arm_low_water_mark":
                    key = m.group(2) + ("" if m.group(1) == "finished" else " " + m.group(1))
                    done[key] = done.get(key, 0) + 1
            return done
        if os.path.exists(self.log("cron")):
            return {"cron runs": len(re.findall(r"^\d\d:\d\d:\d\d$", open(self.log("cron")).read(), re.M))}
        return {}

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if self.guardian:
            self.guardian.stop_daemons()
            sh("cp {} {}".format(self.guardian.daemons[0].log_path, self.log("pool-guardian")), check=False)

    def destroy(self):
        self.docker.stop()
        if self.lvm:
            self.lvm.destroy()


class LvmPool:
    """direct-lvm: a 1 GiB thin pool LV in a ~2 GiB VG on a loop PV, monitored by our own dmeventd
    with autoextend 80/20 (its own LVM_SYSTEM_DIR: the guest's lvm.conf has no autoextend)."""

    def __init__(self, log_dir):
        self.vg = "replayvg{}".format(next(_serial))
        self.pool_lv = self.vg + "-thinpool"
        self.sysdir = tempfile.mkdtemp(prefix="lvm-replay")
        with open(os.path.join(self.sysdir, "lvm.conf"), "w") as f:
            f.write(LVM_CONF)
        self.env = dict(os.environ, LVM_SYSTEM_DIR=self.sysdir, LVM_SUPPRESS_FD_WARNINGS="1")
        self.image = os.path.join(SCRATCH, self.vg + ".pv")
        sh("truncate -s 2176M " + self.image)
        self.loop = out("losetup -f --show " + self.image)
        self.lvm("pvcreate -q {0} && vgcreate -q {1} {0}".format(self.loop, self.vg))
        self.lvm("lvcreate -q -y --type thin-pool --monitor n -Zn -L 1G --poolmetadatasize 32M -n thinpool " + self.vg)
        sh("udevadm settle")
        # a dmeventd started by lvcreate with the guest's lvm.conf would take the registration
        for pid in out("pgrep -x dmeventd || true").split():
            os.kill(int(pid), signal.SIGKILL)
        time.sleep(1)
        self.dmeventd = subprocess.Popen(["dmeventd", "-f"], env=self.env, stdout=open(os.path.join(log_dir, "dmeventd.log"), "w"),
                                         stderr=subprocess.STDOUT)
        time.sleep(1)
        self.lvm("lvchange --monitor y {}/thinpool".format(self.vg))

    def dm_name(self):
        for line in out("dmsetup status").splitlines():
            name, rest = line.split(":", 1)
            if name.startswith(self.vg + "-") and rest.split()[2] == "thin-pool":
                return name
        raise RuntimeError("no thin-pool device for " + self.vg)

    def lvm(self, command, check=True):
        return sh(command, env=self.env, check=check, timeout=300)

    def destroy(self):
        self.lvm("lvchange --monitor n {}/thinpool".format(self.vg), check=False)
        if self.dmeventd.poll() is None:
            self.dmeventd.kill()
            self.dmeventd.wait()
        self.lvm("vgremove -q -ff " + self.vg, check=False)
        self.lvm("pvremove -q -ff " + self.loop, check=False)
        sh("losetup -d " + self.loop, check=False)
        os.unlink(self.image)


# ---------------------------------------------------------------------------- the sampler
class Sampler:
    """`dmsetup status POOL` every second: (time, used blocks, total blocks, mode)."""

    def __init__(self, pool):
        self.pool, self.looks, self.stop = pool, [], threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        from tests.integration.bedlib.pools import parse_pool_status
        while not self.stop.is_set():
            try:
                s = parse_pool_status(out("dmsetup status " + self.pool, timeout=30))
                if s["mode"] == "Fail":
                    self.looks.append((time.time(), 1, 1, "Fail"))
                else:
                    self.looks.append((time.time(), s["data_used_blocks"], s["data_total_blocks"], s["mode"]))
            except Exception:   # noqa: BLE001 (a look that failed is a gap in the samples)
                pass
            self.stop.wait(1.0)

    def finish(self, block_bytes):
        self.stop.set()
        self.thread.join()
        looks = self.looks
        above = bad = 0.0
        for (t, used, total, mode), (t2, _, _, _) in zip(looks, looks[1:]):
            if used * 100.0 / total >= HIGH:
                above += t2 - t
            if mode != "rw":
                bad += t2 - t
        return {"peak": max(u * 100.0 / n for _, u, n, _ in looks),
                "seconds_above_high": round(above), "seconds_not_rw": round(bad),
                "modes": sorted({m for _, _, _, m in looks}),
                "pool_start_mib": looks[0][2] * block_bytes // MiB, "pool_end_mib": looks[-1][2] * block_bytes // MiB,
                "used_end_mib": looks[-1][1] * block_bytes // MiB}


# ---------------------------------------------------------------------------- the replayer
class Replay:
    def __init__(self, header, ops, docker, args):
        self.header, self.ops, self.docker, self.args = header, ops, docker, args
        self.sem = threading.BoundedSemaphore(args.concurrency)
        self.lock = threading.Lock()
        self.results = []
        self.reimports = 0
        self.imported = set()
        self.image_locks = {name: threading.Lock() for name in header["images"]}
        self.keep_made = []
        self.holders = []
        self.tars = {}

    def image_tar(self, name):
        """busybox rootfs plus a blob of the image's size (random bytes repeated: nothing sparse)."""
        path = os.path.join(SCRATCH, "replay-image-{}.tar".format(name))
        if not os.path.exists(path):
            block = os.urandom(MiB)
            with tarfile.open(ROOTFS_TAR) as src, tarfile.open(path, "w") as dst:
                for member in src.getmembers():
                    dst.addfile(member, src.extractfile(member) if member.isfile() else None)
                info = tarfile.TarInfo("opt/blob-" + name)
                info.size = self.header["images"][name] * MiB
                dst.addfile(info, io.BufferedReader(_Repeat(block, info.size)))
        return path

    def ref(self, image):
        return "replay/{}:latest".format(image)

    def record(self, op, outcome, late, seconds, error="", container=None):
        with self.lock:
            self.results.append(dict(t=op["t"], op=op["op"], name=container or op.get("name") or op.get("image"),
                                     outcome=outcome, late=round(late, 1), seconds=round(seconds, 1),
                                     error=error[-200:]))

    def ensure_image(self, image):
        """(ok, error): the image is there, re-imported if something removed it since its import."""
        with self.image_locks[image]:
            if self.docker.docker("image", "inspect", self.ref(image), check=False).returncode == 0:
                return True, ""
            p = self.docker.docker("import", self.image_tar(image), self.ref(image), check=False)
            if p.returncode != 0:
                return False, p.stderr
            if image in self.imported:
                with self.lock:
                    self.reimports += 1
            self.imported.add(image)
            return True, ""

    def docker_failure(self, op, p, late, started, container=None):
        outcome = "refused" if SPACE_REFUSAL.search(p.stderr + p.stdout) else "failed"
        self.record(op, outcome, late, time.time() - started, p.stderr.strip() or p.stdout.strip(), container)

    def write_outcome(self, op, p, late, started, container=None):
        m = re.search(r"REPLAY rc=(\d+) avail=(\d*) err=(.*)", p.stdout)
        if p.returncode == 0 and m and m.group(1) == "0":
            return self.record(op, "ok", late, time.time() - started, container=container)
        if not m and ("Error response from daemon" in p.stderr or p.returncode in (125, 126, 127)):
            return self.docker_failure(op, p, late, started, container)
        full = m and m.group(2) != "" and int(m.group(2)) < 16 * 1024
        self.record(op, "write_failed_own_fs" if full else "write_failed_pool", late, time.time() - started,
                    (m.group(3) if m else p.stderr.strip()), container)

    def run_container(self, op, name, late, started):
        ok, err = self.ensure_image(op["image"])
        if not ok:
            p = subprocess.CompletedProcess([], 1, "", err)
            return self.docker_failure(op, p, late, started, name)
        label = ["--label", KEEP_LABEL] if op.get("keep") else []
        p = self.docker.docker("run", "--name", name, *label, self.ref(op["image"]), "sh", "-c",
                               WRITE.format(file="/fill", mb=op["mb"]), check=False)
        if op.get("keep") and self.docker.docker("inspect", name, check=False).returncode == 0:
            with self.lock:
                self.keep_made.append(name)
        self.write_outcome(op, p, late, started, name)

    def execute(self, op, late):
        started = time.time()
        kind = op["op"]
        if kind == "import":
            p = self.docker.docker("import", self.image_tar(op["image"]), self.ref(op["image"]), check=False)
            if p.returncode:
                return self.docker_failure(op, p, late, started)
            self.imported.add(op["image"])
            return self.record(op, "ok", late, time.time() - started)
        if kind == "run":
            return self.run_container(op, op["name"], late, started)
        if kind == "burst":
            threads = [threading.Thread(target=self.run_container, args=(op, n, late, started)) for n in op["names"]]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return
        if kind == "start":
            ok, err = self.ensure_image(op["image"])
            if not ok:
                return self.docker_failure(op, subprocess.CompletedProcess([], 1, "", err), late, started)
            label = ["--label", KEEP_LABEL] if op.get("keep") else []
            p = self.docker.docker("run", "-d", "--name", op["name"], *label, self.ref(op["image"]),
                                   "sleep", "1000000", check=False)
            if p.returncode:
                return self.docker_failure(op, p, late, started)
            if op.get("keep"):
                with self.lock:
                    self.keep_made.append(op["name"])
            return self.record(op, "ok", late, time.time() - started)
        if kind == "fill":
            p = self.docker.docker("exec", op["name"], "sh", "-c", WRITE.format(file=op["file"], mb=op["mb"]),
                                   check=False)
            return self.write_outcome(op, p, late, started)
        if kind == "purge":
            p = self.docker.docker("exec", op["name"], "sh", "-c", "rm -f {}; sync".format(op["file"]), check=False)
            return self.record(op, "ok" if p.returncode == 0 else "failed", late, time.time() - started, p.stderr)
        if kind == "stop":
            p = self.docker.docker("stop", "-t", "1", op["name"], check=False)
            return self.record(op, "ok" if p.returncode == 0 else "failed", late, time.time() - started, p.stderr)
        if kind == "leak":
            return self.leak(op, late, started)
        raise ValueError("unknown operation " + kind)

    def leak(self, op, late, started):
        """An agent in a copy of dockerd's namespace binds the container's filesystem elsewhere;
        the container stops and its removal fails busy: Dead, its blocks held."""
        name = op["name"]
        try:
            mount_point = self.docker.mount_point(name)
        except (StopIteration, AssertionError) as exc:
            return self.record(op, "failed", late, time.time() - started, "no mount: {}".format(exc))
        target = "/tmp/leak-" + name
        holder = subprocess.Popen(["nsenter", "-t", str(self.docker.proc.pid), "-m", "unshare", "--mount",
                                   "--propagation", "private", "sh", "-c",
                                   "mkdir -p {0} && mount --bind {1} {0} && exec sleep 1000000".format(
                                       target, shlex.quote(mount_point))], start_new_session=True)
        self.holders.append(holder)
        # the holder's pid stays (nsenter, unshare and sh exec): wait for its bind, which takes
        # seconds on a loaded guest, before the container stops
        deadline = time.time() + 60
        while " {} ".format(target) not in _read("/proc/{}/mountinfo".format(holder.pid)):
            if holder.poll() is not None or time.time() > deadline:
                return self.record(op, "failed", late, time.time() - started, "the holder did not mount it")
            time.sleep(0.5)
        self.docker.docker("stop", "-t", "1", name, check=False)
        removed = self.docker.docker("rm", name, check=False)
        state = self.docker.docker("inspect", "-f", "{{.State.Status}}", name, check=False).stdout.strip()
        # held: the removal failed (Dead, or "removing" when a guard's own removal of it is under way)
        self.record(op, "ok" if removed.returncode else "failed", late, time.time() - started,
                    "rm rc {} state {}".format(removed.returncode, state or "gone"))

    def go(self):
        """Start every operation on time in its own thread; ops on one container run in order."""
        t0 = time.time()
        last = {}       # container name or image -> the thread of its previous operation
        threads = []

        def body(op, before):
            for b in before:
                b.join()
            with self.sem:
                late = time.time() - (t0 + op["t"])
                try:
                    self.execute(op, late)
                except Exception as exc:    # noqa: BLE001 (an operation that broke is counted, not fatal)
                    self.record(op, "failed", late, 0, "{}: {}".format(type(exc).__name__, exc))

        for op in self.ops:
            delay = t0 + op["t"] - time.time()
            if delay > 0:
                time.sleep(delay)
            keys = list(op.get("names", [])) + ([op["name"]] if "name" in op else []) + \
                (["image:" + op["image"]] if "image" in op else [])
            before = [last[k] for k in keys if k in last]
            thread = threading.Thread(target=body, args=(op, before), daemon=True)
            for k in keys:
                if k.startswith("image:") and op["op"] != "import":
                    continue        # runs of one image do not wait for each other, only for its import
                last[k] = thread
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join(max(1, t0 + self.header["duration"] + self.args.overrun - time.time()))
        unfinished = sum(t.is_alive() for t in threads)
        return time.time() - t0, unfinished

    def release_holders(self):
        for holder in self.holders:
            if holder.poll() is None:
                os.killpg(holder.pid, signal.SIGKILL)
                holder.wait()


class _Repeat(io.RawIOBase):
    """`size` bytes of `block` over and over, as a readable stream."""

    def __init__(self, block, size):
        self.block, self.left, self.pos = block, size, 0

    def readable(self):
        return True

    def readinto(self, buf):
        n = min(len(buf), self.left, len(self.block) - self.pos)
        buf[:n] = self.block[self.pos:self.pos + n]
        self.pos = (self.pos + n) % len(self.block)
        self.left -= n
        return n


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def dmesg_lines():
    return out("dmesg").splitlines()


def replay_arm(trace, arm_name, args, outdir):
    header, ops = load_trace(trace)
    log_dir = os.path.join(outdir, "replay-{}-{}".format(trace, arm_name))
    os.makedirs(log_dir, exist_ok=True)
    began = time.time()
    arm = Arm(arm_name, args, log_dir)
    replay = None
    try:
        block_bytes = int(out("dmsetup table " + arm.pool).split()[5]) * 512
        replay = Replay(header, ops, arm.docker, args)
        for image in header["images"]:      # built before the clock starts
            replay.image_tar(image)
        mark = len(dmesg_lines())
        arm.start()
        sampler = Sampler(arm.pool)
        setup_seconds = time.time() - began
        seconds, unfinished = replay.go()
        time.sleep(args.settle)
        seen = sampler.finish(block_bytes)
        kernel_oods = sum("out-of-data-space" in line for line in dmesg_lines()[mark:])
        present = set(arm.docker.docker("ps", "-a", "--format", "{{.Names}}", check=False).stdout.split())
        dead = arm.docker.docker("ps", "-aq", "--filter", "status=dead", check=False).stdout.split()
        arm.stop()
        outcomes = [r["outcome"] for r in replay.results]
        result = dict(
            trace=trace, arm=arm_name, seed=header["seed"], duration=header["duration"],
            refused=outcomes.count("refused"), write_failed_pool=outcomes.count("write_failed_pool"),
            write_failed_own_fs=outcomes.count("write_failed_own_fs"), failed_other=outcomes.count("failed"),
            ops=len(outcomes), trace_ops=len(ops), late=sum(r["late"] > LATE for r in replay.results),
            max_late=max([r["late"] for r in replay.results] or [0]), unfinished=unfinished,
            leaks_held=sum(r["op"] == "leak" and r["outcome"] == "ok" for r in replay.results),
            leaks=sum(r["op"] == "leak" for r in replay.results), kernel_out_of_data_space=kernel_oods, reimports=replay.reimports,
            keep_made=len(replay.keep_made), keep_removed=sum(n not in present for n in replay.keep_made),
            containers_end=len(present), dead_end=len(dead),
            actions=arm.actions(), replay_seconds=round(seconds), setup_seconds=round(setup_seconds), **seen)
        with open(os.path.join(log_dir, "operations.json"), "w") as f:
            json.dump(replay.results, f, indent=1)
        with open(os.path.join(log_dir, "samples.json"), "w") as f:    # (time, used, total blocks, mode)
            json.dump(sampler.looks, f)
        return result
    finally:
        arm.stop()
        if replay:
            replay.release_holders()
        arm.destroy()


def fmt(r):
    oods = "kernel {}, status {} s".format(r["kernel_out_of_data_space"], r["seconds_not_rw"]) \
        if r["kernel_out_of_data_space"] or r["seconds_not_rw"] else "no"
    acts = ", ".join("{} {}".format(k, v) for k, v in sorted(r["actions"].items())) or "-"
    return ("| {trace} | {arm} | {refused} | {write_failed_pool} / {write_failed_own_fs} | {oods} | {peak:.1f}% | "
            "{seconds_above_high} s | {reimports} | {keep_removed} of {keep_made} | {pool_end_mib} MiB | "
            "{ran} | {late} ({max_late:.0f} s) | {leaks_held} of {leaks} | {acts} | {wall} s |").format(
                wall=r.get("wall_seconds", "-"), oods=oods, acts=acts, ran=ran(r), **r)


def ran(r):
    """Operations finished of the trace's: a replay that fell behind (a loaded host, a slow TCG
    guest) did not put the trace's pressure on the pool, and its row compares nothing."""
    total = r.get("trace_ops", r["ops"])
    return "{} of {}".format(r["ops"], total) + ("" if r["ops"] >= total else " **fell behind: not comparable**")


HEAD = ("| trace | arm | refused for space | writes failed: pool / own fs | out of data space | peak | "
        "above 80% | images re-imported | keep-labelled removed | pool at end | operations finished | late ops (max) | "
        "leaks held | actions | arm wall time |\n" + "|---" * 15 + "|")


def on_host(argv, args):
    """Boot one guest for everything asked and run this script there."""
    cases = [c.split(":")[0] for c in args.cases.split(",")] if args.cases else \
        args.traces.split(",") * len(args.arms.split(","))
    timeout = sum(load_trace(t)[0]["duration"] + args.overrun + 150 for t in cases) + 300
    runner = [sys.executable, os.path.join(REPO, "tests", "bed", "run.py"), "--timeout", str(timeout), "--",
              os.path.join(REPO, ".venv", "bin", "python"), os.path.join("bench", "replay.py")] + argv
    print("replay: one guest, up to {} s: {}".format(timeout, " ".join(argv)), flush=True)
    return subprocess.call(runner, cwd=REPO)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--traces", default="steady,ci,leaky,churn",
                        help="names of bench/traces/*.jsonl: " + ",".join(
                            sorted(os.path.basename(p)[:-6] for p in glob.glob(os.path.join(TRACES, "*.jsonl")))))
    parser.add_argument("--arms", default=",".join(ARMS), help=",".join(ARMS + ["none", "pg-grow-without-RULE", "pg-nogrow-without-RULE"]))
    parser.add_argument("--cases", help="trace:arm,... in this order, instead of every trace with every arm")
    parser.add_argument("--cron-minutes", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=4, help="operations running at once at most")
    parser.add_argument("--overrun", type=int, default=120, help="seconds past the trace's end to wait for its operations")
    parser.add_argument("--settle", type=int, default=10, help="seconds sampled after the last operation")
    args = parser.parse_args(argv)
    if not in_guest():
        return on_host(argv, args)
    outdir = os.environ.get("BED_OUT", "/tmp")
    json_path = os.path.join(outdir, "replay.json")
    rows = []
    print(HEAD, flush=True)
    cases = [c.split(":") for c in args.cases.split(",")] if args.cases else \
        [(t, a) for t in args.traces.split(",") for a in args.arms.split(",")]
    for trace, arm in cases:
        began = time.time()
        try:
            r = replay_arm(trace, arm, args, outdir)
            r["wall_seconds"] = round(time.time() - began)    # setup, replay, settle, teardown (not the boot)
        except Exception as exc:    # noqa: BLE001 (one arm failing keeps the others' numbers)
            traceback.print_exc()
            print("| {} | {} | failed: {} |".format(trace, arm, str(exc).replace("\n", " ")[:400]), flush=True)
            continue
        rows.append(r)
        print("RESULT " + json.dumps(r, sort_keys=True), flush=True)
        print(fmt(r), flush=True)
        with open(json_path, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
