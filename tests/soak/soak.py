"""The soak (issue 28): pool-guardian under the RPM's unit, a workload filling the pool, and faults
drawn from a seed, for SOAK_SECONDS (default 1800). Run in the systemd guest by `make soak`.

The host is the el7 profile (tests/integration/systemd/el7.py): the RPM installed, the shipped
unit with the systemd-219 drop-in, dockerd as el7-docker.service (MountFlags=slave, loop-lvm).
While containers write and exit (enforce mode, grow enabled up to a max), one fault at a time:
dockerd restarted, SIGKILLed or SIGSTOPped, the daemon SIGKILLed, udev change storms on the pool
and its loop devices, the backing filesystem filled from outside, a container whose mount is held
in another mount namespace (so `docker rm` fails busy). Afterwards, the invariants; the report is
JSON, then one PASS/FAIL line per invariant; the exit code is 1 when one is broken.

Environment: SOAK_SEED (default: drawn and printed), SOAK_SECONDS, SOAK_COMMIT (for the report).
"""
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tarfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tests.integration.bedlib import REPO, run, sh  # noqa: E402
from tests.integration.bedlib.docker import DOCKER, IMAGE  # noqa: E402
from tests.integration.systemd import el7  # noqa: E402

MiB = 1 << 20
KEEP_LABEL = "pool-guardian.keep=true"
DM_DIR = os.path.join(el7.DOCKER_ROOT, "devicemapper", "devicemapper")
LOOP_FILES = {"data": os.path.join(DM_DIR, "data"), "metadata": os.path.join(DM_DIR, "metadata")}
FILLER = os.path.join(DM_DIR, "soak-filler")          # next to the loop files, on the same filesystem
OUT_DIR = os.environ.get("BED_OUT", "/tmp")
KINDS = ("dockerd_restart", "dockerd_kill", "dockerd_stop", "daemon_kill", "udev_storm", "backing_fill",
         "leaked_mount")
WORKLOAD_PAUSE_PERCENT = 88        # the workload waits above this: the soak must not be what fills the pool
SUSPENDED_TOO_LONG = 30.0          # a grow suspends the pool for a moment; this long is a stuck device
RESULTS = ("action.finished", "action.partly_done", "action.failed", "action.crashed")
CONFIG = """\
# pool-guardian soak (tests/soak/soak.py)
mode: enforce
watermarks:
  data:
    warning: 40%
    high: 45%
    low: 35%
    critical: 80%
schedule:
  poll_interval: 5s
ladder:
  prune_containers:
    grace: 10s
    cooldown: 15s
    budget: 300
  release_mounts:
    enabled: true
    cooldown: 15s
    budget: 300
  fstrim:
    cooldown: 1m
    budget: 60
  prune_images:
    enabled: true
    unused_for: 1m
    cooldown: 1m
    budget: 60
  grow:
    enabled: true
    min_step: 256M
    max_data_size: 2G
    cooldown: 30s
    budget: 60
"""


def log(text):
    sys.stdout.write("soak {:7.1f}s {}\n".format(time.time() - T0, text))
    sys.stdout.flush()


T0 = time.time()


def docker(*args, timeout=120, check=False):
    """The Docker client; never raises on a timeout (dockerd may be stopped on purpose)."""
    try:
        return run([DOCKER] + list(args), check=check, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, 124, "", "timed out after {} s".format(timeout))


def quiet(command, timeout=60):
    """stdout of a shell command, '' when it fails or times out."""
    try:
        proc = sh(command, check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


def pool_percent(pool):
    fields = quiet("dmsetup status " + pool, timeout=20).split()
    if len(fields) < 6 or "/" not in fields[5]:
        return None
    used, total = fields[5].split("/")
    return 100.0 * int(used) / int(total)


def allocated(path):
    st = os.stat(path)
    return st.st_size, st.st_blocks * 512


# --- the schedule -------------------------------------------------------------------------------

def schedule(seed, seconds):
    """Faults as (at, kind, params): every kind once in a shuffled order, then kinds drawn from the
    seed. Each runs when the previous one is undone, so a late one runs late, never skipped."""
    rng = random.Random(seed)
    count = max(len(KINDS), seconds // 90)          # under TCG a fault takes 30-110 s to make and undo
    kinds = rng.sample(KINDS, len(KINDS)) + [rng.choice(KINDS) for _ in range(count - len(KINDS))]
    times = sorted(round(rng.uniform(15, max(30, seconds - 45)), 1) for _ in kinds)
    params = {
        "dockerd_restart": lambda: {},
        "dockerd_kill": lambda: {"down_s": rng.randint(5, 20)},
        "dockerd_stop": lambda: {"stopped_s": rng.randint(5, 20)},
        "daemon_kill": lambda: {},
        "udev_storm": lambda: {"storm_s": rng.randint(10, 30)},
        "backing_fill": lambda: {"hold_s": rng.randint(20, 90)},
        "leaked_mount": lambda: {"megabytes": rng.randint(20, 60)},
    }
    return [{"at": at, "kind": kind, "params": params[kind]()} for at, kind in zip(times, kinds)]


# --- the host -----------------------------------------------------------------------------------

class Soak:
    def __init__(self, seed, seconds):
        self.seed, self.seconds = seed, seconds
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.pool = None
        self.kept = {}                 # name -> id
        self.seen = {}                 # id -> name of every container ever listed
        self.listed_at = {}            # id -> when it was last listed (UTC), to find who removed it
        self.images = {}               # ref -> id, made by the soak
        self.sizes = {k: set() for k in LOOP_FILES}
        self.suspended_since = {}
        self.suspended_longest = {}
        self.suspended_samples = 0
        self.percent = None
        self.daemon_kills = 0
        self.killed_pids = set()       # the daemon pids the soak SIGKILLed (as journal _PID strings)
        self.holders = []
        self.faults = []
        self.workload = {"started": 0, "failed": 0, "megabytes": 0, "long_lived": 0, "paused_s": 0.0,
                         "peak_percent": 0.0}

    # setup
    def setup(self):
        sh("mkdir -p /run/systemd/journald.conf.d && printf '[Journal]\\nStorage=volatile\\nRuntimeMaxUse=1G\\n' "
           "> /run/systemd/journald.conf.d/soak.conf && systemctl restart systemd-journald")
        el7.install()
        log("RPM installed")
        el7.start_docker()
        log("el7-docker.service started")
        info = json.loads(docker("info", "--format", "{{json .DriverStatus}}", check=True).stdout)
        self.pool = dict(info)["Pool Name"]
        # --restart=always: dockerd's restarts stop it, and its command runs again (so it only sleeps)
        docker("run", "-d", "--restart=always", "--name", "keep-running", "--label", KEEP_LABEL, IMAGE,
               "sleep", "1000000", check=True)
        docker("exec", "keep-running", "sh", "-c", "mkdir -p /payload && dd if=/dev/urandom of=/payload/a bs=1M "
               "count=40 && echo soak > /payload/b && sync", check=True, timeout=300)
        docker("run", "--name", "kept", "--label", KEEP_LABEL, IMAGE, "sh", "-c",
               "mkdir -p /payload && dd if=/dev/urandom of=/payload/c bs=1M count=30 && "
               "head -c 100000 /dev/urandom > /payload/d && sync", check=True, timeout=300)
        for name in ("keep-running", "kept"):
            self.kept[name] = docker("inspect", "-f", "{{.Id}}", name, check=True).stdout.strip()
        docker("run", "--name", "builder", IMAGE, "dd", "if=/dev/zero", "of=/blob", "bs=1M", "count=20",
               check=True, timeout=300)
        docker("commit", "builder", "soak/unused:1", check=True)
        self.images["soak/unused:1"] = docker("image", "inspect", "-f", "{{.Id}}", "soak/unused:1").stdout.strip()
        self.before = self.checksums()
        log("kept files: {}".format(self.before))
        with open(el7.CONFIG, "w", encoding="utf-8") as f:
            f.write(CONFIG)
        sh("mkdir -p /var/lib/node_exporter/textfile_collector")
        sh("systemctl start " + el7.UNIT, timeout=240)
        self.first_pid = el7.show("MainPID")
        self.sample()

    @staticmethod
    def _wait(predicate, timeout, what):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if predicate():
                return True
            time.sleep(1)
        raise AssertionError("waited {} s for {}".format(timeout, what))

    def checksums(self):
        """sha256 of every file the kept containers hold (running: inside it; exited: docker cp)."""
        sums = {}
        inside = docker("exec", "keep-running", "sh", "-c", "sha256sum /payload/*", timeout=300)
        for line in inside.stdout.splitlines():
            digest, path = line.split()
            sums["keep-running:" + path] = digest
        if inside.returncode != 0:
            sums["keep-running"] = "unreadable: " + inside.stderr.strip()[:200]
        proc = subprocess.Popen([DOCKER, "cp", "kept:/payload", "-"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        try:
            with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
                for member in tar:
                    if member.isfile():
                        sums["kept:/" + member.name] = hashlib.sha256(tar.extractfile(member).read()).hexdigest()
        except tarfile.TarError as exc:
            sums["kept"] = "unreadable: {}".format(exc)
        proc.wait(timeout=300)
        return sums

    # the sampler: suspended devices, loop file sizes, pool usage, containers seen
    def sample(self):
        now = time.time()
        lines = quiet("dmsetup info -c --noheadings --separator ' ' -o name,suspended", timeout=20)
        suspended = {l.split()[0] for l in lines.splitlines() if l.split()[1:] == ["Suspended"]}
        with self.lock:
            self.suspended_samples += bool(suspended)
            for name in suspended:
                since = self.suspended_since.setdefault(name, now)
                self.suspended_longest[name] = max(self.suspended_longest.get(name, 0.0), now - since)
            for name in set(self.suspended_since) - suspended:
                del self.suspended_since[name]
            for kind, path in LOOP_FILES.items():
                if os.path.exists(path):
                    self.sizes[kind].add(os.path.getsize(path))
        self.percent = pool_percent(self.pool)
        if self.percent is not None:
            self.workload["peak_percent"] = max(self.workload["peak_percent"], round(self.percent, 1))

    def sampler(self):
        last_list = last_status = 0
        while not self.stop.is_set():
            self.sample()
            if time.time() - last_status > 30:
                last_status = time.time()
                log("pool {}% daemon {} pid {}; workload {}".format(
                    self.percent and round(self.percent, 1), el7.show("ActiveState"), el7.show("MainPID"),
                    self.workload))
            if time.time() - last_list > 10:
                listed = docker("ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}}", timeout=20)
                if listed.returncode == 0:
                    with self.lock:
                        self.seen.update(l.split() for l in listed.stdout.splitlines() if len(l.split()) == 2)
                        stamp = time.strftime("%H:%M:%S", time.gmtime())
                        self.listed_at.update((l.split()[0], stamp) for l in listed.stdout.splitlines())
                    last_list = time.time()
            self.stop.wait(2)

    # the workload: containers that write and exit; a quarter stay up a while first
    def work(self):
        rng = random.Random(self.seed + 1)
        serial = 0
        while not self.stop.is_set():
            if self.percent is None or self.percent > WORKLOAD_PAUSE_PERCENT:
                self.workload["paused_s"] += 3
                self.stop.wait(3)
                continue
            serial += 1
            megabytes = rng.randint(50, 120)
            stay = rng.randint(30, 150) if rng.random() < 0.4 else 0
            name = "w-{}".format(serial)
            created = docker("create", "--name", name, IMAGE, "sh", "-c",
                             "dd if=/dev/zero of=/fill bs=1M count={} conv=fsync; sleep {}".format(megabytes, stay))
            if created.returncode != 0:
                self.workload["failed"] += 1
                self.stop.wait(3)
                continue
            with self.lock:
                self.seen[created.stdout.strip()] = name
            started = docker("start", *(["-a"] if not stay else []), created.stdout.strip(), timeout=300)
            if started.returncode != 0:
                self.workload["failed"] += 1
            else:
                self.workload["started"] += 1
                self.workload["megabytes"] += megabytes
                self.workload["long_lived"] += bool(stay)
            self.stop.wait(rng.uniform(1, 4))

    # the faults
    def inject(self, plan):
        start = time.time()
        while not self.stop.is_set():
            pending = [f for f in plan if "started" not in f]
            if not pending:
                break
            fault = pending[0]
            wait = fault["at"] - (time.time() - start)
            if wait > 0:
                self.stop.wait(min(wait, 5))
                continue
            fault["started"] = round(time.time() - T0, 1)
            fault["utc"] = time.strftime("%H:%M:%S", time.gmtime())
            log("fault {} {}".format(fault["kind"], fault["params"]))
            try:
                fault["result"] = getattr(self, "fault_" + fault["kind"])(**fault["params"]) or "done"
            except Exception as exc:             # a fault that could not be made is reported, not fatal
                fault["result"] = "error: {}".format(exc)[:300]
            fault["seconds"] = round(time.time() - T0 - fault["started"], 1)
            log("fault {} -> {} ({} s)".format(fault["kind"], fault["result"], fault["seconds"]))
            self.faults.append(fault)

    def start_dockerd(self):
        for attempt in range(3):
            proc = sh("systemctl reset-failed el7-docker.service; systemctl start el7-docker.service",
                      check=False, timeout=300)
            if proc.returncode == 0:
                return attempt
            time.sleep(5)
        raise AssertionError("el7-docker.service did not start again: " + proc.stderr.strip()[:200])

    def fault_dockerd_restart(self):
        sh("systemctl restart el7-docker.service", timeout=300)

    def fault_dockerd_kill(self, down_s):
        os.kill(el7.dockerd_pid(), signal.SIGKILL)
        time.sleep(down_s)
        retries = self.start_dockerd()
        return "restarted after {} s{}".format(down_s, ", {} retries".format(retries) if retries else "")

    def fault_dockerd_stop(self, stopped_s):
        pid = el7.dockerd_pid()
        os.kill(pid, signal.SIGSTOP)
        try:
            time.sleep(stopped_s)
        finally:
            os.kill(pid, signal.SIGCONT)

    def fault_daemon_kill(self):
        def ready():
            return el7.show("ActiveState") == "active" and el7.show("MainPID") != "0"
        self._wait(ready, 180, "the daemon active before the kill")
        pid = int(el7.show("MainPID"))
        os.kill(pid, signal.SIGKILL)
        self.daemon_kills += 1
        self.killed_pids.add(str(pid))
        self._wait(lambda: ready() and el7.show("MainPID") != str(pid), 180, "the daemon restarted")
        return "pid {} killed; now {}".format(pid, el7.show("MainPID"))

    def fault_udev_storm(self, storm_s):
        names = []
        dm = quiet("readlink -f /dev/mapper/" + self.pool)
        if dm:
            names.append(os.path.basename(dm))
        for path in LOOP_FILES.values():
            names += [os.path.basename(l.split(":")[0]) for l in quiet("losetup -j " + path).splitlines()]
        if not names:
            return "skipped: no pool device"
        argv = ["udevadm", "trigger", "--action=change"] + ["--sysname-match=" + n for n in names]
        triggers, end = 0, time.time() + storm_s
        while time.time() < end:
            run(argv, check=False, timeout=30)
            triggers += 1
            time.sleep(0.05)
        sh("udevadm settle -t 60", check=False, timeout=90)
        return "{} triggers on {}".format(triggers, " ".join(names))

    def fault_backing_fill(self, hold_s):
        """Leave what the loop files may still take plus 256 MiB: the pool's own writes never fail,
        but grow has no room (its reserve) and the backing filesystem reads nearly full."""
        st = os.statvfs(DM_DIR)
        free = st.f_bavail * st.f_frsize
        unallocated = sum(max(0, size - used) for size, used in map(allocated, LOOP_FILES.values()))
        size = free - unallocated - 256 * MiB
        if size < 64 * MiB:
            return "skipped: only {} MiB free".format(free // MiB)
        sh("fallocate -l {} {}".format(size, FILLER), timeout=120)
        try:
            time.sleep(hold_s)
        finally:
            os.unlink(FILLER)
        return "{} MiB for {} s".format(size // MiB, hold_s)

    def fault_leaked_mount(self, megabytes):
        """As tests/integration/systemd/test_as_installed.py: a copy of dockerd's namespace holds the
        container's mount, so removing it fails busy until release_mounts unmounts it there."""
        name = "leak-{}".format(len(self.holders) + 1)
        created = docker("run", "-d", "--name", name, IMAGE, "sh", "-c",
                         "dd if=/dev/zero of=/fill bs=1M count={} conv=fsync && touch /done && exec sleep 1000000"
                         .format(megabytes), check=True)
        with self.lock:
            self.seen[created.stdout.strip()] = name
        self._wait(lambda: docker("exec", name, "test", "-e", "/done").returncode == 0, 180, name + "'s write")
        device = docker("inspect", "-f", "{{.GraphDriver.Data.DeviceName}}", name, check=True).stdout.strip()
        pid = el7.dockerd_pid()
        with open("/proc/{}/mountinfo".format(pid)) as f:
            mount_point = next(l.split()[4] for l in f if "/dev/mapper/{} ".format(device) in l)
        holder = subprocess.Popen(["nsenter", "-t", str(pid), "-m", "unshare", "--mount", "--propagation", "private",
                                   "sh", "-c", "mkdir -p /tmp/{0} && mount --bind {1} /tmp/{0} && exec sleep 1000000"
                                   .format(name, mount_point)])
        self.holders.append({"name": name, "device": device, "holder": holder})
        time.sleep(3)
        docker("stop", "-t", "1", name, check=True)
        return "{} held by pid {}".format(name, holder.pid)

    # the run
    def soak(self):
        plan = schedule(self.seed, self.seconds)
        threads = [threading.Thread(target=self.sampler, daemon=True),
                   threading.Thread(target=self.work, daemon=True)]
        for t in threads:
            t.start()
        started = time.time()
        self.inject(plan)
        remaining = self.seconds - (time.time() - started)
        if remaining > 0:
            self.stop.wait(remaining)
        self.soaked = round(time.time() - started, 1)
        self.stop.set()
        for t in threads:
            t.join(timeout=120)
        self.not_run = [f for f in plan if "started" not in f]
        log("soak over after {} s; {} faults, {} not run; settling".format(self.soaked, len(self.faults),
                                                                           len(self.not_run)))
        time.sleep(30)
        self._wait(lambda: el7.show("ActiveState") == "active", 180, "the daemon active at the end")
        self.sample()


# --- the invariants -----------------------------------------------------------------------------

def daemon_journal():
    """The unit's entries and every entry tagged pool-guardian, in journal order. --all: journalctl's
    JSON shows a field over 4096 bytes (a long traceback) as null without it. By tag too: journald
    cannot name the unit of an entry whose sender was SIGKILLed before the entry was read."""
    merged = {}
    for match in (("-u", el7.UNIT), ("-t", "pool-guardian")):
        for e in el7.journal("--all", *match):
            merged[e["__CURSOR"]] = e
    return sorted(merged.values(), key=lambda e: int(e["__REALTIME_TIMESTAMP"]))


def changes_of(entries, killed_pids):
    """Each change a daemon made or began, from command.starting and command.ran (changes are at
    info, reads at debug): ran ones with their RC; a starting with no ran from the same pid is in
    flight, at a kill when the soak SIGKILLed that pid, else unfinished without one."""
    begun, changes = {}, []
    for e in entries:
        key = (e.get("_PID"), e.get("ARGV"))
        if e.get("EVENT") == "command.starting":
            begun.setdefault(key, []).append(e)
        elif e.get("EVENT") == "command.ran" and e.get("PRIORITY") == "6":
            if begun.get(key):
                begun[key].pop(0)
            changes.append({"argv": e.get("ARGV", ""), "pid": e.get("_PID"), "rc": e.get("RC"), "how": "ran"})
    for (pid, argv), left in begun.items():
        how = "in_flight_at_kill" if pid in killed_pids else "unfinished_without_kill"
        changes += [{"argv": argv or "", "pid": pid, "rc": None, "how": how} for _ in left]
    return changes


def accepted(change):
    """A change the journal vouches for: it ran, or it was in flight when its daemon was killed."""
    return change["how"] in ("ran", "in_flight_at_kill")


def removals_check(soak, final, removals):
    """Every container gone has a `docker rm` that ran (RC 0, or failed: dockerd may finish a call
    it timed out on) or was in flight at a kill; each group named apart. An RC 0 on a container
    still there is a lie. For one gone with neither, dockerd's own lines naming it."""
    def naming(cid):
        return [c for c in removals if " {} ".format(cid[:12]) in c["argv"] + " "]
    removed = sorted(set(soak.seen) - final)
    groups = {"rc0": [], "failed_entry": [], "in_flight_at_kill": [], "unexplained": []}
    for cid in removed:
        found = naming(cid)
        label = "{} ({}, last listed {})".format(cid[:12], soak.seen[cid], soak.listed_at.get(cid))
        if any(c["how"] == "ran" and c["rc"] == "0" for c in found):
            groups["rc0"].append(label)
        elif any(c["how"] == "ran" for c in found):
            groups["failed_entry"].append(label)
        elif any(c["how"] == "in_flight_at_kill" for c in found):
            groups["in_flight_at_kill"].append(label)
        else:
            groups["unexplained"].append({"container": label, "entries": [c["argv"] + " " + c["how"] for c in found],
                                          "dockerd_said": dockerd_lines(cid)})
    said_but_there = [c["argv"] for c in removals if c["how"] == "ran" and c["rc"] == "0"
                      and any(cid.startswith(c["argv"].split()[-2]) for cid in final)]
    return removed, groups, said_but_there


def dockerd_lines(cid):
    """What dockerd logged about a container no entry explains (at most 5 lines), to tell its own
    removals (a failed create cleaned up, a container not loaded at restart) from ours."""
    lines = quiet("journalctl --no-pager -o short-iso -u el7-docker.service | grep -F {}".format(cid[:12]), timeout=120)
    return lines.splitlines()[-5:]


def loop_sizes_check(soak, changes):
    """Every loop file size seen past the first is one a truncate set (ran with RC 0, or in flight
    at a kill: the kernel has it either way)."""
    truncated = {}
    for c in changes:
        argv = c["argv"].split()
        if argv[:2] == ["truncate", "-s"] and len(argv) == 4 and (c["rc"] == "0" or c["how"] == "in_flight_at_kill"):
            truncated.setdefault(argv[3], set()).add(int(argv[2]))
    unexplained = {}
    for kind, path in LOOP_FILES.items():
        first = min(soak.sizes[kind]) if soak.sizes[kind] else None
        odd = sorted(s for s in soak.sizes[kind] if s != first and s not in truncated.get(path, ()))
        if odd:
            unexplained[kind] = odd
    return unexplained


def check(soak):
    entries = daemon_journal()
    changes = changes_of(entries, soak.killed_pids)
    removals = [c for c in changes if c["argv"].startswith("docker rm ")]
    invariants = []

    def verdict(name, ok, detail):
        invariants.append({"name": name, "ok": bool(ok), "detail": detail})

    # 1. no suspended device
    now_suspended = quiet("dmsetup info -c --noheadings --separator ' ' -o name,suspended")
    now_suspended = [l.split()[0] for l in now_suspended.splitlines() if "Suspended" in l.split()[1:]]
    longest = {k: round(v, 1) for k, v in soak.suspended_longest.items()}
    verdict("no_suspended_device",
            not now_suspended and all(v < SUSPENDED_TOO_LONG for v in longest.values()),
            {"suspended_at_end": now_suspended, "longest_seen_s": longest,
             "samples_with_one": soak.suspended_samples})

    # 2. no kept container removed (nor even tried, nor begun)
    listed = docker("ps", "-aq", "--no-trunc", timeout=300)
    assert listed.returncode == 0, "docker ps failed at the end: " + listed.stderr
    final = set(listed.stdout.split())
    tried = [c["argv"] for c in removals if any(cid[:12] in c["argv"] for cid in soak.kept.values())]
    gone = [name for name, cid in soak.kept.items() if cid not in final]
    verdict("kept_containers_kept", not gone and not tried, {"gone": gone, "removals_tried": tried})

    # 3. every action in the journal: what disappeared or grew, the daemon's journal says it did it
    removed, groups, said_but_there = removals_check(soak, final, removals)
    images_gone = [ref for ref, iid in soak.images.items()
                   if docker("image", "inspect", iid).returncode != 0]
    rmi = [c for c in changes if c["argv"].startswith("docker rmi ") and accepted(c)]
    images_unexplained = [ref for ref in images_gone
                          if not any(ref in c["argv"] or soak.images[ref].split(":")[-1][:12] in c["argv"] for c in rmi)]
    sizes_unexplained = loop_sizes_check(soak, changes)
    unfinished = [c for c in changes if c["how"] == "unfinished_without_kill"]
    verdict("every_action_in_journal",
            not groups["unexplained"] and not said_but_there and not images_unexplained and not sizes_unexplained,
            {"containers_removed": len(removed), "removed_with_rc0_entry": len(groups["rc0"]),
             "removed_after_a_failed_entry": groups["failed_entry"],
             "removed_in_flight_at_kill": groups["in_flight_at_kill"],
             "removed_without_entry": groups["unexplained"],
             "entry_but_still_there": said_but_there, "images_removed": images_gone,
             "images_without_entry": images_unexplained,
             "changes_in_flight_at_kill": [c["argv"] for c in changes if c["how"] == "in_flight_at_kill"],
             "changes_unfinished_without_kill": ["{} (pid {})".format(c["argv"], c["pid"]) for c in unfinished],
             "loop_sizes_seen": {k: sorted(v) for k, v in soak.sizes.items()},
             "sizes_without_entry": sizes_unexplained})

    # 4. NRestarts equals the kills
    restarts = int(el7.show("NRestarts"))
    verdict("nrestarts_equal_kills", restarts == soak.daemon_kills,
            {"NRestarts": restarts, "daemon_kills": soak.daemon_kills,
             "watchdog": [e.get("MESSAGE") for e in entries if "atchdog" in e.get("MESSAGE", "")]})

    # 5. the kept containers' files unchanged
    after = soak.checksums()
    verdict("kept_files_unchanged", after == soak.before and len(after) >= 4,
            {"files": len(soak.before), "changed": sorted(k for k in set(after) | set(soak.before)
                                                          if after.get(k) != soak.before.get(k))})

    # 6. the service up and the pool writable at the end
    fields = quiet("dmsetup status " + soak.pool).split()
    verdict("service_active_pool_rw", el7.show("ActiveState") == "active" and fields[7:8] == ["rw"],
            {"ActiveState": el7.show("ActiveState"), "pool_mode": fields[7:8]})

    actions = {}
    for e in entries:
        if e.get("EVENT") in RESULTS:
            key = "{} {}".format(e.get("RUNG"), e.get("OUTCOME") or e["EVENT"])
            actions[key] = actions.get(key, 0) + 1
    held = [h for h in soak.holders if h["holder"].poll() is None]
    released = [h["name"] for h in held
                if "/dev/mapper/{} ".format(h["device"]) not in open("/proc/{}/mountinfo".format(h["holder"].pid)).read()]
    suppressed = [e.get("MESSAGE") for e in el7.journal("-u", "systemd-journald")
                  if "pool-guardian" in e.get("MESSAGE", "") and "uppress" in e.get("MESSAGE", "")]
    faults = {}
    for f in soak.faults:
        faults[f["kind"]] = faults.get(f["kind"], 0) + 1
    return {
        "commit": os.environ.get("SOAK_COMMIT") or quiet("git -C {} rev-parse --short HEAD".format(REPO)),
        "seed": soak.seed, "seconds": soak.seconds, "soaked_s": soak.soaked, "pool": soak.pool,
        "faults_injected": faults, "faults": soak.faults, "faults_not_run": soak.not_run,
        "workload": soak.workload, "actions": actions,
        "crashed": [crash_line(e) for e in entries if e.get("EVENT") == "action.crashed"],
        "leaks_released": "{} of {}".format(len(released), len(soak.holders)),
        "journal_suppressed": suppressed, "daemon_pids": sorted({e["_PID"] for e in entries if e.get("_SYSTEMD_UNIT") == el7.UNIT and "_PID" in e}),
        "invariants": invariants,
    }


def crash_line(entry):
    """RUNG: the error, from ERROR, else the traceback's last line (a daemon from before ERROR)."""
    error = entry.get("ERROR")
    if not error and isinstance(entry.get("EXCEPTION"), str):
        error = (entry["EXCEPTION"].splitlines() or [""])[-1]
    return "{}: {}".format(entry.get("RUNG"), error or "(no error in the entry: {!r})".format(entry.get("EXCEPTION")))


def write_journal(path):
    """The daemon's entries as the invariants read them (unit and tag, every field whole), one JSON a line."""
    with open(path, "w", encoding="utf-8") as f:
        for entry in daemon_journal():
            f.write(json.dumps(entry, sort_keys=True) + "\n")


def main():
    seed = int(os.environ.get("SOAK_SEED") or random.SystemRandom().randrange(1 << 32))
    seconds = int(os.environ.get("SOAK_SECONDS") or 1800)
    log("seed {} seconds {} plan {}".format(seed, seconds, json.dumps(schedule(seed, seconds))))
    soak = Soak(seed, seconds)
    try:
        soak.setup()
    except Exception as exc:
        log("setup failed: {}".format(exc))
        print(quiet("systemctl status -l --no-pager {0} el7-docker.service; journalctl -u {0} -n 40 --no-pager"
                    .format(el7.UNIT)))
        return 2
    try:
        soak.soak()
        report = check(soak)
    finally:
        sh("journalctl --sync; journalctl --no-pager -o short-iso-precise -u {0} -u el7-docker.service > {1}/"
           "soak-journal.txt".format(el7.UNIT, OUT_DIR), check=False, timeout=300)
        try:
            write_journal(os.path.join(OUT_DIR, "soak-journal.json"))
        except Exception as exc:        # the report matters more than its attachment
            log("soak-journal.json not written: {}".format(exc))
        for h in soak.holders:
            h["holder"].kill()
    text = json.dumps(report, indent=1, sort_keys=True, default=str)
    with open(os.path.join(OUT_DIR, "soak-report.json"), "w") as f:
        f.write(text + "\n")
    print(text)
    for inv in report["invariants"]:
        print("{} {}: {}".format("PASS" if inv["ok"] else "FAIL", inv["name"], json.dumps(inv["detail"],
                                                                                            default=str)))
    broken = [inv["name"] for inv in report["invariants"] if not inv["ok"]]
    print("soak seed {} {} s: {}".format(seed, report["soaked_s"], "FAIL " + " ".join(broken) if broken else "PASS"))
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
