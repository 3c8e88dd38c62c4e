"""The one verdict: which conditions hold now, how bad each is, and what to do. Pure.

`check`, `status`, `diagnose`, systemd's STATUS line, the journal and the metrics all render this
one list of findings; none of them decides on its own how bad things are, so they cannot disagree
(a Prometheus rule paging on Docker's floor while `check` says OK was the bug this ends).
A finding names its condition (a stable word: the metrics label, the journal's CONDITION field,
the alert), its severity, and one line with the numbers.
"""
from typing import NamedTuple, Optional, Tuple

from guardian.decide import doctor
from guardian.decide.levels import unhealthy_reason

OK, WARNING, CRITICAL, UNKNOWN = "ok", "warning", "critical", "unknown"
# Worse last. Blind (unknown) is worse than a warning, but a pool we can see is critical is worse
# still; the exit codes are the monitoring plugins' own.
RANK = {OK: 0, WARNING: 1, UNKNOWN: 2, CRITICAL: 3}
EXIT_CODE = {OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3}
# The sources a problem line can name before its colon; any other problem says why no pool is
# watched (several pools, Docker's pool missing, none yet).
SOURCES = ("kernel", "docker", "backing", "dmsetup")


class Condition(NamedTuple):
    name: str
    meaning: str        # what it means for Docker or for the watch
    todo: str           # what the operator does


CONDITIONS = (
    Condition("no_pool", "No thin pool is watched: the guardian is blind.",
              "Set pool.name when there are several pools; start Docker or create the pool; "
              "the message says which."),
    Condition("pool_unhealthy", "The kernel reports the pool read-only, failed, out of data space or "
              "needing a check: writes fail or hang.",
              "Out of data space: free or grow space now. ro, Fail, needs_check: stop Docker and repair "
              "the metadata (thin_check, thin_repair)."),
    Condition("below_docker_floor", "Free data or metadata is below Docker's dm.min_free_space: Docker "
              "refuses every pull and every new container.",
              "Free space (pool-guardian prune, trim) or grow the pool now."),
    Condition("docker_floor_soon", "At the current fill rate the pool reaches Docker's floor within "
              "the time thresholds.", "Free space or grow before then; `pool-guardian plan` says what it would do."),
    Condition("data_usage", "Data usage is past its warning or critical threshold.",
              "`pool-guardian status` and `plan`; in enforce mode the ladder acts from the high mark."),
    Condition("metadata_usage", "Metadata usage is past its warning or critical threshold; exhausted "
              "metadata turns the pool read-only.", "Grow the metadata (`pool-guardian grow --metadata`)."),
    Condition("full_soon", "At the current fill rate the pool is full within the time thresholds.",
              "Free space or grow before then."),
    Condition("source_unavailable", "Docker, the kernel's view or the filesystem under the loop files "
              "could not be read: the guardian sees less than it should.",
              "The message names the source and its error (Docker down or hung, permissions)."),
    Condition("remedy_failed", "A rung of the ladder failed or was refused while the pool needs room.",
              "journalctl -u pool-guardian MESSAGE_ID=74ecea201e434a218f84569da2c891ad has the reason."),
    Condition("risky_setting", "A setting the doctor checks FAILs: when the pool fills, Docker refuses "
              "early, writes hang, or the pool does not come back at boot.",
              "`pool-guardian doctor` names the setting and the change; after the change, "
              "`systemctl reload pool-guardian` checks again."),
    Condition("daemon_stale", "The daemon has not evaluated the pool recently (stopped, hung or "
              "never started though enabled): nothing watches the pool.",
              "systemctl status pool-guardian; journalctl -u pool-guardian."),
)
NAMES = tuple(c.name for c in CONDITIONS)


class Finding(NamedTuple):
    condition: str
    severity: str
    text: str               # one line, with the numbers
    subject: str = ""       # when a condition can hold more than once: data/metadata, a source, a rung


class Verdict(NamedTuple):
    pool: Optional[str]
    usage: Optional[str]            # 'data 85.0% metadata 1.2%', or None without a pool
    findings: Tuple[Finding, ...]   # worst first

    @property
    def severity(self):
        return self.findings[0].severity if self.findings else OK

    @property
    def exit_code(self):
        return EXIT_CODE[self.severity]

    def holds(self, condition):
        return any(f.condition == condition for f in self.findings)

    @property
    def headline(self):
        """The worst finding's line, or the usage when nothing is wrong."""
        return self.findings[0].text if self.findings else (self.usage or "")


class DaemonAge(NamedTuple):
    """What `check` knows of the daemon: when it last evaluated (None: never) and how stale is too old."""
    last_evaluation: Optional[float]
    max_age: float
    now: float
    enabled: bool           # the unit is enabled, so a daemon should be running


def problem_source(problem):
    """'docker' for 'docker: ...', None for a line that says why no pool is watched."""
    word = problem.split(":")[0].split()[0] if problem.strip() else ""
    return word if word in SOURCES else None


def judge(snapshot, limits, forecast=None, daemon=None, failing=(), examined=()):
    """The findings for this snapshot against these thresholds (decide/thresholds.Thresholds).

    forecast: decide.forecast.Forecast or None; daemon: DaemonAge (check only); failing: the
    daemon's ActionResults of rungs whose last run failed or was refused; examined: the doctor's
    last findings (decide/doctor.Finding), of which each FAIL is a risky setting. A WARN stays the
    doctor's: loop-lvm itself is one, and a `check` that warned for ever would be muted."""
    findings = [Finding("source_unavailable", WARNING, p, problem_source(p))
                for p in snapshot.problems if problem_source(p)]
    findings += _daemon_findings(daemon) + [_remedy_finding(r) for r in failing]
    findings += [_setting_finding(f) for f in examined if f.status == doctor.FAIL]
    pool = snapshot.pool
    if pool is None or (pool.status.failed is None and pool.status.data_total_blocks is None):
        reasons = [p for p in snapshot.problems if not problem_source(p)] or list(snapshot.problems)
        findings.append(Finding("no_pool", UNKNOWN, "no pool to watch: " + ("; ".join(reasons) or
                                                                             "no thin pool found")))
        return Verdict(None, None, _worst_first(findings))
    usage = None
    if not pool.status.failed:
        usage = "data {:.1f}% metadata {:.1f}%".format(pool.data_effective_used_percent or 0,
                                                      pool.status.metadata_used_percent or 0)
    return Verdict(pool.name, usage, _worst_first(_pool_findings(pool, limits, forecast) + findings))


def _worst_first(findings):
    order = {name: i for i, name in enumerate(NAMES)}
    return tuple(sorted(findings, key=lambda f: (-RANK[f.severity], order[f.condition])))


def _pool_findings(pool, limits, forecast):
    unhealthy = unhealthy_reason(pool.status)
    found = [Finding("pool_unhealthy", CRITICAL, unhealthy)] if unhealthy else []
    if pool.status.failed:
        return found
    for what, value, warning, critical in (
            ("data", pool.data_effective_used_percent, limits.data_warning, limits.data_critical),
            ("metadata", pool.status.metadata_used_percent, limits.metadata_warning, limits.metadata_critical)):
        severity, limit = range_severity(value, warning, critical)
        if severity != OK:
            found.append(Finding(what + "_usage", severity, "{} {:.1f}% (the {} threshold is {})".format(
                what, value, severity, limit.text), what))
    found += _floor_findings(pool)
    found += _time_findings(pool, limits, forecast)
    return found


def _floor_findings(pool):
    """Docker checks data and metadata alike against dm.min_free_space (a share of each)."""
    floor, total = pool.min_free_bytes, pool.data_total_bytes
    if floor is None or not total:
        return []
    found = []
    meta_total = pool.metadata_total_bytes
    for what, free, least in (
            ("data", pool.data_free_bytes, floor),
            ("metadata", meta_total and meta_total - pool.metadata_used_bytes,
             meta_total and int(meta_total * floor / float(total)))):
        if free is not None and least is not None and free < least:
            found.append(Finding("below_docker_floor", CRITICAL,
                                 "{} free {} is below Docker's floor of {}: Docker refuses pulls and new "
                                 "containers".format(what, _mib(free), _mib(least)), what))
    return found


def _time_findings(pool, limits, forecast):
    if forecast is None:
        return []
    found = []
    full = [s for s in (forecast.data_full, forecast.metadata_full) if s is not None]
    severity, limit = range_severity(min(full) if full else None, limits.time_warning, limits.time_critical)
    if severity != OK:
        found.append(Finding("full_soon", severity, "full in ~{} ({})".format(
            duration_words(min(full)), _time_limit(severity, limit))))
    floor = forecast.docker_floor
    if floor is not None and floor > 0:
        severity, limit = range_severity(floor, limits.time_warning, limits.time_critical)
        if severity != OK:
            found.append(Finding("docker_floor_soon", severity, "below Docker's floor in ~{} ({})".format(
                duration_words(floor), _time_limit(severity, limit))))
    return found


def _time_limit(severity, limit):
    """'warning under 6 h' for the usual `SECONDS:` range, the range itself otherwise."""
    if limit.end == float("inf") and not limit.inside:
        return "{} under {}".format(severity, duration_words(limit.start))
    return "{} range {} s".format(severity, limit.text)


def _daemon_findings(daemon):
    if daemon is None:
        return []
    if daemon.last_evaluation is None:
        if not daemon.enabled:
            return []
        return [Finding("daemon_stale", WARNING, "pool-guardian.service is enabled but the daemon has not "
                        "evaluated the pool since boot")]
    age = daemon.now - daemon.last_evaluation
    if age <= daemon.max_age:
        return []
    return [Finding("daemon_stale", WARNING, "the daemon last evaluated the pool {} ago (stopped or "
                    "hung?)".format(duration_words(age)))]


def _remedy_finding(result):
    return Finding("remedy_failed", WARNING, "{} {}: {}".format(result.rung, result.outcome, result.summary),
                   result.rung)


def _setting_finding(found):
    text = "doctor: {} FAIL: {}".format(found.check, found.seen)
    return Finding("risky_setting", WARNING, text + (" -> " + found.change if found.change else ""), found.check)


def range_severity(value, warning, critical):
    """(severity, the range that alerted) for a value against plugin ranges; None never alerts."""
    if value is None:
        return OK, None
    if critical is not None and critical.alerts(value):
        return CRITICAL, critical
    if warning is not None and warning.alerts(value):
        return WARNING, warning
    return OK, None


def duration_words(seconds):
    """'3 h', '90 min', '76 s': the largest unit that fits twice."""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= 2 * size:
            return "{:.0f} {}".format(seconds / size, unit)
    return "{:.0f} s".format(seconds)


def _mib(value):
    return "{:.0f} MiB".format(value / float(1 << 20))
