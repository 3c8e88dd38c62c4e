"""One evaluation: observe, decide, act one rung at a time, judge, report. Never two at once.

After every rung the pool is observed and planned again, so the race against the fill
(decide/race.py) may reorder what is left, and the ladder stops as soon as the pool is below its
low marks (earlyoom re-reads before it acts; kubelet once evicted on stale stats), unless the
brake grew it there: then the reclaiming rungs of that plan still run. The one
exception to one rung at a time: grow or fstrim beside a rung stuck on dockerd, when the fill
would reach Docker's floor first. The verdict (decide/verdict.py) is judged on the pool as the
climb left it, for every channel.
"""
import threading
import time

from guardian.act import RUNGS, grow_lvm, low_water_mark, recover
from guardian.act.base import DRY_RUN, FAILED, REFUSED, ActionContext, run_rung
from guardian.daemon.rung_thread import run_beside
from guardian.daemon.usage import USAGE_REASONS, UsageReader
from guardian.decide import race
from guardian.decide.doctor import UNKNOWN, examine
from guardian.decide.doctor import Finding as DoctorFinding
from guardian.decide.ladder import Memory, after_brake, next_ready_at, plan, remember_run
from guardian.decide.levels import assess
from guardian.decide.low_water_mark import armed_by, needs_arming, needs_rearming
from guardian.decide.thresholds import from_marks
from guardian.decide.verdict import judge
from guardian.observe.suspended import suspended
from guardian.report.state import DaemonState
from guardian.tools.doctor import live_facts


# A pool that stays suspended (observe mode, or a tool holding the lock) is told again this often,
# not at every look.
SUSPENDED_REPEAT_SECONDS = 600.0
# Rungs that wait on dockerd, and the ones that may run beside them when the fill will not wait:
# neither of the latter asks Docker anything.
WAITS_ON_DOCKER = ("prune_containers", "release_mounts", "prune_images")
BESIDE = ("grow", "fstrim")
RACE_SECONDS = 1.0      # how often the main thread looks at the pool while a rung runs
WHILE_RUNG = frozenset(["while-rung"])      # woken_by of those looks
# The doctor examines the host at start, after a reload and daily (daemon/watch.py's schedule).
DOCTOR_REASONS = frozenset(("start", "reloaded", "doctor"))


class Engine:
    """Its parts come in at construction (daemon/service.py wires them): state, the memory and fill
    history that outlive it, None for one that keeps them only in memory; metrics, the daemon's
    counters, or None; heartbeat(), which feeds systemd's watchdog at least every heartbeat_seconds
    while a rung runs; on_look(snapshot), every observation, before anything acts on it;
    after_action(), once an action is reported; stopping, the Event that asks a rung to stop;
    failing, the rungs whose last run failed or was refused (an engine built after a reload);
    on_verdict(), after each verdict judged while a rung runs (the service tells STATUS and the
    metrics then, not only once the climb is over)."""

    def __init__(self, settings, host, log, observer, reporter, clock=time.time, rungs=None, state=None,
                 metrics=None, memory=None, heartbeat=lambda: None, heartbeat_seconds=10.0,
                 on_look=lambda snapshot: None, after_action=lambda: None, stopping=None, failing=None,
                 on_verdict=lambda: None):
        self.settings = settings
        self.host = host
        self.log = log
        self.observer = observer
        self.reporter = reporter
        self.metrics = metrics
        self.clock = clock
        self.rungs = RUNGS if rungs is None else rungs
        self.state = DaemonState(log, memory_path=None, history_path=None) if state is None else state
        self.memory = Memory() if memory is None else memory
        self.last_snapshot = None
        self.last_plan = None
        self.last_result = None
        self.last_verdict = None
        self.failing = dict(failing or {})      # rung -> its last result, while that was failed or refused
        self.retry_at = None        # when a rung that had to wait may run, while still remediating
        self.heartbeat = heartbeat
        self.heartbeat_seconds = heartbeat_seconds
        self._suspended_told = ((), None)       # (device names, when) of the last pool.suspended
        self.on_look = on_look
        self.after_action = after_action
        self.on_verdict = on_verdict
        self.stopping = threading.Event() if stopping is None else stopping
        self._busy = threading.Lock()
        self._climbing = None       # (rungs run in this climb, the rung running, since when)
        self._braked = None         # the plan whose brake grew the pool in this climb
        self.examined = ()          # the doctor's last findings; each FAIL is in the verdict
        self.usage = UsageReader(settings, host, log)

    def evaluate(self, reasons=frozenset(), refresh_docker=False):
        """Returns the plan it followed; a second caller waits (the daemon never calls twice)."""
        with self._busy:
            self._check_suspended(self.last_snapshot)
            snapshot = self._observe(refresh_docker, reasons)
            self._arm_low_water_mark(snapshot)
            if "trim-window" in reasons:
                snapshot = self._maintenance_trim(snapshot)
            current = plan(snapshot, self.settings, self.memory, self.clock(), self._fill_rate())
            self.reporter.decision(current, reasons)
            if self.metrics is not None:
                self.metrics.evaluated()
            # Remembered before the climb, so the re-plan after each rung works in the band
            # (high mark to low mark), not only above the high mark.
            self.memory = self.memory._replace(remediating=current.remediating)
            if current.acts:
                current = self._climb(current, snapshot)
                self._arm_low_water_mark(self.last_snapshot, fired_before=snapshot)
            self.memory = self.memory._replace(remediating=current.remediating)
            self.state.write_memory(self.memory)
            if reasons & DOCTOR_REASONS:        # after the climb: the fill does not wait for it
                self._examine(self.last_snapshot, reasons)
            if reasons & USAGE_REASONS and self.metrics is not None:
                self._read_usage(self.last_snapshot)
            self._judge(current)
            self.retry_at = None
            if current.remediating and current.mode != "observe":
                self.retry_at = next_ready_at(self.settings.ladder, self.memory, self.clock())
            self.last_plan = current
            return current

    def _judge(self, current):
        """The one verdict on the pool as it is now, for every channel (journal, metrics, STATUS).
        A failed rung stays a finding until it succeeds or the pool is out of danger."""
        if not current.remediating:
            for rung in self.settings.ladder.order:
                self.failing.pop(rung, None)
        self._verdict()

    def _verdict(self):
        self.last_verdict = judge(self.last_snapshot, from_marks(self.settings.watermarks),
                                  failing=tuple(self.failing[r] for r in sorted(self.failing)), examined=self.examined)
        self.reporter.verdict(self.last_verdict)
        if self.metrics is not None:
            self.metrics.judged(self.last_verdict)

    def _examine(self, snapshot, reasons):
        """The doctor (tools/doctor.py reads, decide/doctor.py judges): its reads are commands with
        timeouts (lvs, thin_check). Its findings go to the journal, the metrics and doctor.json;
        each FAIL is a finding of the verdict."""
        def failed(error):
            self.log.exception("doctor.failed", message=error, error=error)
            return (DoctorFinding("doctor", UNKNOWN, "the doctor failed: " + error),)
        self.examined = self._beside("doctor", lambda: examine(live_facts(snapshot, self.settings, self.host,
                                                                          daemon=True)), failed)
        self.reporter.examined(self.examined, reasons)
        self.state.write_doctor(self.examined)
        if self.metrics is not None:
            self.metrics.doctor_ran(self.examined)

    def _read_usage(self, snapshot):
        """Who uses the pool (daemon/usage.py), for the metrics."""
        def failed(error):
            self.log.exception("usage.not_read", message="usage not read: " + error, reason=error)
        read = self._beside("usage", lambda: self.usage.read(snapshot), failed)
        if read is not None:
            self.metrics.usage_read(*read)

    def _beside(self, name, work, failed):
        """work() beside the thread that feeds the watchdog; a bug in it is failed(error)'s to
        tell, and never stops the watch of the pool."""
        def guarded(progressed):
            try:
                return work()
            except Exception as exc:
                return failed("{}: {}".format(type(exc).__name__, exc))
        return run_beside(guarded, self.heartbeat, min(self.heartbeat_seconds, RACE_SECONDS),
                          self._longest_step(), name)

    def recover(self):
        """At start: a guardian killed mid-action must leave a working pool (resume, finish or report).
        A suspended pool is resumed from the kernel's view alone, before Docker is asked anything:
        a slow or hung dockerd must not keep every container's writes blocked."""
        with self._busy:
            self._check_suspended(self.observer.snapshot(kernel_only=True))
            snapshot = self._observe(refresh_docker=True, reasons={"start"})
            if snapshot.pool is not None:
                self._run_action("recover", recover, snapshot)

    def _check_suspended(self, snapshot):
        """A suspended pool blocks every container's writes: before every look it is resumed
        (enforce, under the action lock; a tool holding the lock is mid-change and only reported)
        or alerted (observe). One ioctl per device of the pool last seen; Docker is not asked."""
        names = tuple(suspended(snapshot.pool)) if snapshot is not None else ()
        if not names:
            self._suspended_told = ((), None)
            return
        told, when = self._suspended_told
        if names != told or self.clock() - when >= SUSPENDED_REPEAT_SECONDS:
            self._suspended_told = (names, self.clock())
            self.log.warning("pool.suspended", pool=snapshot.pool.name, devices=" ".join(names),
                             mode=self.settings.mode)
        if self.settings.mode != "observe":
            self._run_action("recover", recover, self.observer.snapshot(kernel_only=True), kernel_only=True)

    def _maintenance_trim(self, snapshot):
        """The trim window runs fstrim whatever the usage (not in observe mode)."""
        rung = self.settings.ladder.fstrim
        if self.settings.mode == "observe" or not rung.enabled or snapshot.pool is None:
            return snapshot
        result, after = self._run_action("fstrim", self.rungs["fstrim"], snapshot)
        self.memory = remember_run(self.memory, "fstrim", result.succeeded, self.clock(), self.settings.ladder)
        return after

    def _observe(self, refresh_docker=False, reasons=frozenset(), ask_docker=True):
        snapshot = self.observer.snapshot(refresh_docker=refresh_docker, ask_docker=ask_docker)
        self.reporter.observed(snapshot, reasons)
        if self.metrics is not None:
            self.metrics.observed(snapshot)
        self.last_snapshot = snapshot
        self.state.looked(snapshot)
        self.on_look(snapshot)
        return snapshot

    def _climb(self, current, snapshot):
        """Run the plan's first rung, look again, plan again (the race may reorder the rest), until
        the pool is below its low marks or every rung has had its turn in this climb. After the
        brake (grow first, here or beside a rung) the reclaiming rungs of the plan that braked
        still run below the low marks (decide/ladder.after_brake)."""
        ran, told = set(), False
        self._braked = None
        try:
            while not self.stopping.is_set():
                step = next((s for s in current.steps if s.rung not in ran), None)
                if step is None:
                    break
                ran.add(step.rung)
                self._climbing = (ran, step.rung, self.clock())
                snapshot = self._braking(step, current, snapshot, self._climb_step(step.rung, snapshot))
                current = plan(snapshot, self.settings, self.memory, self.clock(), self._fill_rate())
                if self._braked is not None:
                    current, told = self._after_brake(current, ran, told)
        finally:
            self._climbing = None
            self._braked = None
        return current

    def _braking(self, step, current, before, after):
        """Remember `current` as the plan that braked when its step was the brake and the pool grew
        (a grow refused at its maximum made no room to go on from); returns the look after."""
        if step.brake and before.pool is not None and after.pool is not None and grown_bytes(before.pool, after.pool):
            self._braked = current
        return after

    def _after_brake(self, current, ran, told):
        """The plan after a rung once the brake ran, and whether the journal was told (once a climb)."""
        going_on = after_brake(self._braked, current, ran)
        if going_on is not current and not told:
            rungs = [s.rung for s in going_on.steps]
            self.log.info("climb.after_brake", pool=current.pool, steps=",".join(rungs),
                          message="the brake grew {}; {} still run below the low marks".format(
                              current.pool, ", ".join(rungs)))
            told = True
        return going_on, told

    def _climb_step(self, rung, snapshot, locked=False):
        """One rung of the climb, remembered and learnt from; returns the look after it."""
        self.heartbeat()
        # Written down as a failed run first: a daemon killed mid-rung restarts into back-off,
        # not into the same rung again.
        self.state.write_memory(remember_run(self.memory, rung, False, self.clock(), self.settings.ladder))
        started = self.clock()
        result, after = self._run_action(rung, self.rungs[rung], snapshot, locked=locked)
        self.memory = remember_run(self.memory, rung, result.succeeded, self.clock(), self.settings.ladder)
        self._learn(rung, result, snapshot.pool, after.pool, self.clock() - started)
        return after

    def _look_meanwhile(self):
        """Each second while a rung runs, the main thread looks at the pool (Docker's last answer
        standing for Docker, which the rung may be waiting on) and tells what it sees on every
        channel at once: in a churn replay the pool crossed Docker's floor during a 28 s prune and
        was back under its high mark before anything was told. Then the race beside the rung."""
        if self.last_snapshot is None:      # not looked at yet: Docker's floor is not known
            return
        last = self.last_snapshot.pool
        look = self._observe(reasons=WHILE_RUNG, ask_docker=False)
        self._verdict()
        self.on_verdict()
        if look.pool is not None and last is not None and look.pool.name == last.name:
            self._race_beside(look)

    def _race_beside(self, look):
        """While a rung waits on dockerd, when the fill will reach Docker's floor before that rung
        is expected to be done, the first of grow and fstrim the plan puts first runs now, beside
        it, under the lock the climb holds; again whenever its cooldown lets it (a prune stuck for
        two minutes in a churn replay held fstrim back after one run, and the pool ran out)."""
        if self._climbing is None or self._climbing[1] not in WAITS_ON_DOCKER:
            return
        ran, running, since = self._climbing
        pool = look.pool
        rate = self._fill_rate()
        left = race.deadline(pool.data_free_bytes, pool.min_free_bytes, rate)
        remaining = max(race.still_to_run(self.memory.estimate(running).seconds, self.clock() - since), RACE_SECONDS)
        if left is None or left > race.SAFETY * remaining:
            return
        current = plan(look, self.settings, self.memory, self.clock(), rate)
        step = next((s for s in current.steps if s.rung in BESIDE), None)
        if step is None:
            return
        ran.add(step.rung)
        self._climbing = None           # no race inside the race
        try:
            self.log.info("rung.beside", rung=step.rung, beside=running, pool=pool.name,
                          message="{} runs beside {}: {}".format(step.rung, running, step.why))
            self._braking(step, current, look, self._climb_step(step.rung, look, locked=True))
        finally:
            self._climbing = (ran, running, since)

    def _learn(self, rung, result, before, after, seconds):
        """What the run took and gave back (grow: what it added), as the kernel counts it."""
        if not result.succeeded or result.outcome == DRY_RUN or before is None or after is None \
                or before.name != after.name or before.data_used_bytes is None or after.data_used_bytes is None:
            return
        if rung == "grow":
            returned = grown_bytes(before, after)
        else:
            returned = max(0, before.data_used_bytes - after.data_used_bytes)
        self.memory = self.memory.learnt(after.name, rung, seconds, returned)
        self.log.info("rung.learnt", rung=rung, pool=after.name, seconds=round(seconds, 2), returned_bytes=returned,
                      message="{} {}".format(rung, race.describe(self.memory.estimate(rung))))

    def _fill_rate(self):
        return self.state.fill_rate()

    def _run_action(self, name, action, snapshot, kernel_only=False, locked=False):
        """Run one action (act/base.run_rung) beside the thread that feeds the watchdog and races the
        fill, and report it; returns the result and the pool after it. kernel_only: neither the
        action's looks nor the one after it wait on Docker (a resume is finished and told at once).
        locked: the climb already holds the lock (a rung beside another)."""
        before = snapshot.pool

        def alongside(work):
            return run_beside(work, self.heartbeat, min(self.heartbeat_seconds, RACE_SECONDS), self._longest_step(),
                              "rung-" + name, self._look_meanwhile)
        look_after = (lambda: self.observer.snapshot(kernel_only=True)) if kernel_only else \
            (lambda: self._observe(ask_docker=not locked))      # beside a rung waiting on dockerd: not asked
        result, after = run_rung(name, action, snapshot, lambda progressed: self._context(progressed, kernel_only),
                                 look_after, locked, alongside)
        self.last_result = result
        if result.outcome in (FAILED, REFUSED):
            self.failing[name] = result
        else:
            self.failing.pop(name, None)
        self.reporter.action(result, before, after.pool, self.settings.watermarks)
        if self.metrics is not None:
            self.metrics.acted(result, before, after.pool)
        self.after_action()
        return result, after

    def _longest_step(self):
        """The longest one step of a rung may rightly take (each has its own deadline), plus slack."""
        s = self.settings
        return 30.0 + max(s.pool.command_timeout, s.pool.docker_timeout, s.ladder.fstrim.time_budget,
                          s.ladder.prune_containers.removal_timeout, s.ladder.prune_images.removal_timeout,
                          grow_lvm.LVM_TIMEOUT)

    def _context(self, progressed, kernel_only=False):
        rate = self._fill_rate()
        look = lambda: self.observer.snapshot(kernel_only=kernel_only)    # noqa: E731
        return ActionContext(self.host, self.log, self.settings, look, progressed, self.stopping.is_set, rate,
                             climbing=True)

    def _arm_low_water_mark(self, snapshot, fired_before=None):
        """Keep the mark at the high watermark (lvextend loads LVM's own table). After a climb
        that began below the mark, load the table again even when the mark is right: the kernel
        raises the event once and again only after the pool's table is resumed, so without it the
        next crossing would wait for the poll."""
        if not armed_by(self.settings):     # enforce mode, or always or never as configured
            return
        if needs_arming(snapshot.pool, self.settings.watermarks):
            self._run_action("arm_low_water_mark", low_water_mark.arm, snapshot)
        elif fired_before is not None and needs_rearming(fired_before.pool, snapshot.pool):
            self._run_action("arm_low_water_mark", low_water_mark.rearm, snapshot)

    def status_line(self):
        """The one line for `systemctl status`: what it watches (or why nothing), how full, and
        the worst finding of the verdict."""
        current = self.last_plan
        if self.last_snapshot is None:
            return "starting: not observed yet"
        # READY is sent at the first look, before the first evaluation has judged it.
        verdict = self.last_verdict or judge(self.last_snapshot, from_marks(self.settings.watermarks))
        if verdict.pool is None:
            return "{}: {}".format(verdict.severity.upper(), verdict.headline)
        a = assess(self.last_snapshot.pool, self.settings.watermarks)
        line = "{} {} {}".format(verdict.pool, verdict.usage or a.usage, a.level)
        if current is not None and current.mode != "enforce":
            line += " ({})".format(current.mode)
        if verdict.findings and verdict.findings[0].condition not in ("data_usage", "metadata_usage"):
            line += "; {}: {}".format(verdict.severity.upper(), verdict.headline)
        if self.last_result is not None:
            line += "; last action {}: {}".format(self.last_result.rung, self.last_result.summary)
        return line


def grown_bytes(before, after):
    """Bytes the pool's data grew from one look to the next: what a grow added (0: nothing)."""
    return max(0, (after.data_total_bytes or 0) - (before.data_total_bytes or 0))
