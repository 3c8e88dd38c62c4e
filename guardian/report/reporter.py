"""What the daemon tells the journal: level changes, health, sources, decisions and actions.

Each kind of entry has its event name (and so its MESSAGE_ID) and fields that make
`journalctl -u pool-guardian POOL_LEVEL=critical` style queries work. Repeats of the same
alert are rate-limited: the guardian must never be what fills the disk.
"""
from guardian.act.base import PARTLY_DONE
from guardian.decide import doctor
from guardian.decide.levels import assess
from guardian.decide.verdict import problem_source
from guardian.report.render import examined_line, finding_line, percent_field

DOCTOR_PRIORITY = {doctor.FAIL: "error", doctor.WARN: "warning", doctor.UNKNOWN: "info"}
LEVEL_PRIORITY = {"ok": "info", "warning": "warning", "high": "warning", "critical": "critical",
                  "unknown": "error"}


class RepeatLimiter:
    """Lets a given key through once per interval and counts what it held back."""

    def __init__(self, interval, clock):
        self.interval = interval
        self.clock = clock
        self._last = {}
        self._held = {}

    def allow(self, key):
        now = self.clock()
        last = self._last.get(key)
        if last is not None and now - last < self.interval:
            self._held[key] = self._held.get(key, 0) + 1
            return None
        self._last[key] = now
        return self._held.pop(key, 0)      # how many were held back since the last one


def pool_fields(pool, watermarks):
    """The structured fields every pool entry carries."""
    if pool is None:
        return {}
    a = assess(pool, watermarks)
    return {"pool": pool.name, "pool_kind": pool.kind, "pool_level": a.level,
            "data_percent": percent_field(a.data_percent), "metadata_percent": percent_field(a.metadata_percent),
            "data_free_bytes": pool.data_free_bytes, "effective_free_bytes": pool.effective_free_bytes,
            "pool_mode": pool.status.mode}


class Reporter:
    """Outlives a reload (the service configures it anew): what it last told (levels, sources,
    conditions) carries over, so a condition that a reload clears is told cleared, and one that
    still holds is not raised a second time."""

    def __init__(self, log, settings, clock, repeat_interval=600.0):
        self.log = log
        self.settings = settings
        self.limiter = RepeatLimiter(repeat_interval, clock)
        self._levels = None          # (pool name, data level, metadata level, unhealthy)
        self._problems = frozenset()
        self._findings = {}          # (condition, subject) -> Finding, as last told

    def configure(self, settings):
        """After a reload: the new watermarks; what was told stays."""
        self.settings = settings

    def observed(self, snapshot, reasons):
        marks = self.settings.watermarks
        pool = snapshot.pool
        fields = pool_fields(pool, marks)
        self.log.debug("pool.observed", woken_by=",".join(sorted(reasons)) or None, **fields)
        self._sources(snapshot.problems)
        if pool is None:
            return
        a = assess(pool, marks)
        levels = (pool.name, a.data_level, a.metadata_level, a.unhealthy)
        if levels != self._levels:
            previous, self._levels = self._levels, levels
            self._level_changed(previous, a, dict(fields, woken_by=",".join(sorted(reasons)) or None))

    def _level_changed(self, previous, a, fields):
        was = "unknown" if previous is None else "data {} metadata {}".format(previous[1], previous[2])
        log = getattr(self.log, LEVEL_PRIORITY[a.level])
        log("pool.level_changed", message="data {} ({}%), metadata {} ({}%), was {}".format(
            a.data_level, fields["data_percent"], a.metadata_level, fields["metadata_percent"], was),
            data_level=a.data_level, metadata_level=a.metadata_level, **fields)
        if a.unhealthy and (previous is None or previous[3] != a.unhealthy):
            self.log.critical("pool.unhealthy", message=a.unhealthy, **fields)

    def _sources(self, problems):
        """SOURCE holds the source's kind; a line saying why no pool is watched is not a source's
        (the verdict's no_pool condition tells it)."""
        problems = frozenset(p for p in problems if problem_source(p))
        for problem in sorted(problems - self._problems):
            self.log.error("source.unavailable", message=problem, source=problem_source(problem))
        for problem in sorted(self._problems - problems):
            self.log.info("source.recovered", message="no longer: " + problem, source=problem_source(problem))
        self._problems = problems

    def verdict(self, verdict):
        """Each condition of the one verdict as it starts to hold and as it stops."""
        now = {(f.condition, f.subject): f for f in verdict.findings}
        for key in sorted(set(now) - set(self._findings)):
            f = now[key]
            getattr(self.log, LEVEL_PRIORITY[f.severity])(
                "condition.raised", message=f.text, condition=f.condition, severity=f.severity,
                subject=f.subject or None, pool=verdict.pool)
        for key in sorted(set(self._findings) - set(now)):
            f = self._findings[key]
            self.log.info("condition.cleared", message="no longer: " + f.text, condition=f.condition,
                          severity="ok", subject=f.subject or None, pool=verdict.pool)
        self._findings = now

    def examined(self, findings, reasons):
        """The doctor's run, and each finding that did not pass (at start, on reload, daily: a
        setting an operator left is told again each day, not at every look)."""
        self.log.info("doctor.examined", message=examined_line(findings), status=doctor.worst(findings),
                      woken_by=",".join(sorted(reasons)) or None)
        for found in findings:
            if found.status in DOCTOR_PRIORITY:
                getattr(self.log, DOCTOR_PRIORITY[found.status])(
                    "doctor.finding", message="{} {}".format(found.status, finding_line(found)),
                    check=found.check, status=found.status, seen=found.seen, change=found.change or None)

    def decision(self, plan, reasons):
        key = ("decision", plan.level, plan.steps, plan.alert)
        held = self.limiter.allow(key)
        if held is None:
            return
        log = getattr(self.log, LEVEL_PRIORITY[plan.level] if plan.alert else "info")
        log("decision.made", message=plan.alert or plan.why, pool=plan.pool, pool_level=plan.level,
            mode=plan.mode, steps=",".join(s.rung for s in plan.steps) or None,
            chosen="; ".join("{} {}".format(s.rung, s.why) for s in plan.steps) or None,
            skipped="; ".join("{} {}".format(s.rung, s.why) for s in plan.skipped) or None,
            woken_by=",".join(sorted(reasons)) or None, repeats_suppressed=held or None)

    def action(self, result, before, after, watermarks):
        fields = {"rung": result.rung, "outcome": result.outcome}
        fields.update(("before_" + k, v) for k, v in pool_fields(before, watermarks).items()
                      if k in ("data_percent", "metadata_percent", "data_free_bytes"))
        fields.update(("after_" + k, v) for k, v in pool_fields(after, watermarks).items()
                      if k in ("data_percent", "metadata_percent", "data_free_bytes"))
        fields.update(result.numbers)
        if result.outcome == PARTLY_DONE:
            self.log.warning("action.partly_done", message=result.summary, pool=after and after.name, **fields)
        elif result.succeeded:
            self.log.info("action.finished", message=result.summary, pool=after and after.name, **fields)
        else:
            log = self.log.critical if result.critical else self.log.error
            log("action.failed", message=result.summary, pool=before and before.name, **fields)
