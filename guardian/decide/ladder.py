"""The remediation ladder's policy: which rungs to try now, and why the others are skipped.

A pure function of the pool's assessment, the settings, what was remembered about earlier runs,
the fill rate and the time, so tests can step a fake clock through cooldowns, budgets and back-off.
Act in a band (kubelet's image GC): start at the high mark, keep going until below the low mark.
Docker's floor is a mark too: the climb starts once the fill would reach it before the rungs
could run. Which rung first is a race against that deadline (decide/race.py).
"""
from typing import NamedTuple, Optional, Tuple

from guardian.decide import race
from guardian.decide.growth import describe_parts, parts_to_grow
from guardian.decide.levels import above_high, assess, below_low

HOUR = 3600.0


class RungMemory(NamedTuple):
    last_run: Optional[float] = None
    recent_runs: Tuple[float, ...] = ()     # start times within the last hour, for the budget
    failures: int = 0                        # consecutive
    retry_after: Optional[float] = None      # back-off after a failure


class Memory(NamedTuple):
    remediating: bool = False                # between crossing high and getting below low
    rungs: Tuple[Tuple[str, RungMemory], ...] = ()
    pool: Optional[str] = None               # the pool the estimates were learnt on
    estimates: race.Estimates = ()           # each rung's duration and yield on that pool

    def rung(self, name):
        return dict(self.rungs).get(name, RungMemory())

    def with_rung(self, name, memory):
        rungs = dict(self.rungs)
        rungs[name] = memory
        return self._replace(rungs=tuple(sorted(rungs.items())))

    def estimate(self, name):
        return dict(self.estimates).get(name, race.starting(name))

    def for_pool(self, pool):
        """This memory with estimates only when they were learnt on `pool`."""
        return self if pool == self.pool else self._replace(pool=pool, estimates=())

    def learnt(self, pool, name, seconds, returned_bytes):
        """One more run of a rung on `pool`; estimates from another pool are not this pool's."""
        estimates = self.estimates if pool == self.pool else ()
        return self._replace(pool=pool, estimates=race.learn(estimates, name, seconds, returned_bytes))


class Step(NamedTuple):
    rung: str
    why: str
    brake: bool = False     # grow run first as the brake (decide/race.py): the reclaiming goes on after it


class Plan(NamedTuple):
    pool: Optional[str]
    mode: str
    level: str                  # ok, warning, high, critical, or unknown without a pool
    why: str                    # one line: why remediate, or why not
    steps: Tuple[Step, ...]     # rungs to run now, in order
    skipped: Tuple[Step, ...]   # rungs not run now, with the reason
    alert: Optional[str]        # something an operator must hear about
    remediating: bool           # hysteresis state to remember

    @property
    def acts(self):
        """Whether the steps really run (dry-run runs them with the command door closed)."""
        return self.mode in ("enforce", "dry-run") and bool(self.steps)


def needs_remediation(assessment, watermarks, remediating):
    """Above high starts; once started, continue until both are below low."""
    data, meta = assessment.data_percent or 0.0, assessment.metadata_percent or 0.0
    if above_high(data, watermarks.data) or above_high(meta, watermarks.metadata):
        return True
    return remediating and not below_low(data, meta, watermarks)


def plan(snapshot, settings, memory, now, fill_rate=0.0):
    """fill_rate: data bytes/s of the last seconds (decide/fill_rate.py), for the deadline."""
    pool = snapshot.pool
    mode = settings.mode
    if pool is None:
        reason = "; ".join(snapshot.problems) or "no thin pool found"
        return Plan(None, mode, "unknown", reason, (), (), "no pool to watch: " + reason, memory.remediating)
    a = assess(pool, settings.watermarks)
    if a.unhealthy and not pool.healthy:
        return Plan(pool.name, mode, "critical", a.unhealthy, (), (),
                    "alert only, no action on this pool: " + a.unhealthy, False)
    # out_of_data_space is the one unhealthy mode the ladder is for: the kernel queues writes
    # until the pool has room again (for no_space_timeout, 60 s by default), then fails them.
    memory = memory.for_pool(pool.name)
    seconds_left = race.deadline(pool.data_free_bytes, pool.min_free_bytes, fill_rate)
    near_floor = floor_near(pool, settings.ladder, memory, seconds_left)
    remediate = bool(a.unhealthy) or needs_remediation(a, settings.watermarks, memory.remediating) or \
        bool(near_floor)
    if not remediate:
        return Plan(pool.name, mode, a.level, a.usage + ": below the marks, nothing to do", (), (),
                    None, False)
    steps, skipped = choose_rungs(settings.ladder, memory, now, a.level, seconds_left)
    steps = tuple(with_parts(s, pool, settings, fill_rate) if s.rung == "grow" else s for s in steps)
    if mode == "observe":
        skipped = tuple(Step(s.rung, "observe mode: alert only") for s in steps) + skipped
        steps = ()
    why = "{}: {}".format(a.usage, near_floor or "above the high mark or not yet below the low mark")
    alert = a.unhealthy and "{}; remediating".format(a.unhealthy) if steps else None
    if a.level == "critical" and not steps:
        alert = "critical ({}) and no rung can run now: {}".format(
            a.usage, "; ".join("{} {}".format(s.rung, s.why) for s in skipped) or "none configured")
    return Plan(pool.name, mode, a.level, why, steps, skipped, alert, True)


def after_brake(braked, current, ran):
    """The plan once the brake has grown the pool: grow makes room but gives nothing back, so the
    reclaiming rungs of the plan that braked (`braked`) still run, once each in this climb, even
    when the grow took the pool under its low marks (dmeventd only grows; we grow, then reclaim,
    so the next crossing finds room to give back instead of a larger pool to grow again).
    prune_images holds its images below the low marks by itself (act/prune.py). `current` is the
    plan after the last rung; while it still remediates it stands, and so does its alert (a pool
    gone read-only or another pool is not one to go on with)."""
    if current.remediating or current.alert or current.pool != braked.pool:
        return current
    rest = tuple(Step(s.rung, "after the brake: " + s.why) for s in braked.steps
                 if s.rung not in ran and s.rung != "grow")
    if not rest:
        return current
    return current._replace(why="the brake grew the pool; the reclaiming goes on below the low marks", steps=rest)


def with_parts(step, pool, settings, fill_rate):
    """The grow step, saying which parts it grows and why (the rung grows the same)."""
    parts = parts_to_grow(pool, settings, fill_rate)
    return step._replace(why="{}; {}{}".format(step.why, "grows " if parts else "nothing to grow: ",
                                               describe_parts(parts)))


def floor_near(pool, ladder, memory, seconds_left):
    """Why the climb must start for Docker's floor, or None: below it already (Docker refuses
    now), or the fill reaches it sooner than the enabled rungs are expected to run."""
    if pool.below_docker_floor:
        return "below Docker's floor: Docker refuses pulls and new containers"
    if seconds_left is None:
        return None
    climb = sum(memory.estimate(name).seconds for name in ladder.order if getattr(ladder, name).enabled)
    if seconds_left <= race.SAFETY * climb:
        return "Docker's floor in ~{:.0f} s at this fill rate, sooner than the ladder's ~{:.0f} s".format(
            seconds_left, race.SAFETY * climb)
    return None


def choose_rungs(ladder, memory, now, level="high", seconds_left=None):
    """Rungs that may run now, the one to run first first, and the reason each other one may not."""
    ready, skipped = [], []
    for name in ladder.order:
        reason = rung_blocked(getattr(ladder, name), memory.rung(name), now,
                              race.critical_override(memory.estimate(name), level))
        if reason:
            skipped.append(Step(name, reason))
        else:
            ready.append(name)
    steps = tuple(Step(*c) for c in race.order_by_race(ready, memory.estimates, seconds_left, ladder.order))
    return steps, tuple(skipped)


def rung_blocked(rung, remembered, now, cooldown_waived=False):
    """Why a rung may not run now, or None. cooldown_waived: at critical, a rung whose last run
    gave space back is not held by its cooldown (its budget still caps it)."""
    if not rung.enabled:
        return "disabled in the config"
    if remembered.retry_after is not None and now < remembered.retry_after:
        return "backing off for {:.0f} s after {} failure(s)".format(
            remembered.retry_after - now, remembered.failures)
    if remembered.last_run is not None and now < remembered.last_run + rung.cooldown and not cooldown_waived:
        return "cooling down for {:.0f} s".format(remembered.last_run + rung.cooldown - now)
    if len([t for t in remembered.recent_runs if t > now - HOUR]) >= rung.budget:
        return "hourly budget of {} runs spent".format(rung.budget)
    return None


def next_ready_at(ladder, memory, now):
    """When the first enabled rung now cooling down or backing off may run again, or None.
    The daemon wakes itself then (dmeventd's safety timer): a kernel event has already fired and
    will not come again, so a pool left above its high mark would otherwise wait for the poll."""
    times = []
    for name in ladder.order:
        rung, remembered = getattr(ladder, name), memory.rung(name)
        if not rung.enabled:
            continue
        cooled = remembered.last_run + rung.cooldown if remembered.last_run is not None else now
        ready = max(cooled, remembered.retry_after or now)
        if ready > now:
            times.append(ready)
    return min(times) if times else None


def remember_run(memory, name, succeeded, now, ladder):
    """Record a run: cooldown and budget count every run; failures back off exponentially."""
    old = memory.rung(name)
    failures = 0 if succeeded else old.failures + 1
    retry_after = None
    if failures:
        delay = min(ladder.backoff_initial * 2 ** (failures - 1), ladder.backoff_max)
        retry_after = now + delay
    recent = tuple(t for t in old.recent_runs if t > now - HOUR) + (now,)
    return memory.with_rung(name, RungMemory(now, recent, failures, retry_after))
