"""The daemon's numbers for Prometheus, in a file node_exporter's textfile collector serves.

Written whole (temp file, rename) when the service says, after every evaluation and every rung,
so a scrape never reads half a file; a missing directory (no node_exporter here) is one warning,
never a failure. The counters belong to the daemon, not to one config: `Metrics` outlives a
reload. The forecast is the daemon's one fill history's (report/state.py). The one-shot commands
write nothing here.
"""
import platform
import time

from guardian import __version__
from guardian.act.base import DONE, DRY_RUN, FAILED, NOTHING_TO_DO, PARTLY_DONE, REFUSED
from guardian.decide.consumers import why_not_read
from guardian.decide.doctor import EXIT_CODE as DOCTOR_EXIT_CODE
from guardian.decide.levels import ORDER, assess
from guardian.decide.verdict import EXIT_CODE, NAMES, problem_source
from guardian.report.exposition import counter, gauge, render
from guardian.report.state import Publisher

P = "pool_guardian_"
OUTCOMES = (DONE, PARTLY_DONE, NOTHING_TO_DO, DRY_RUN, REFUSED, FAILED)
MODES = ("rw", "ro", "out_of_data_space", "fail", "error")
SOURCES = ("kernel", "docker", "backing", "udev", "dm_events")


class Metrics:
    """What the daemon did since it started, and the last look: rendered on every write."""

    def __init__(self, log, state, clock=time.time):
        self.publisher = Publisher(log)
        self.state = state              # report/state.DaemonState: the fill history
        self.clock = clock
        self.settings = None
        self.event_sources = dict
        self.snapshot = None
        self.evaluated_at = None
        self.verdict = None
        self.reload_ok = True
        self.actions = {}           # (rung, outcome) -> count
        self.reclaimed = {}         # rung -> bytes
        self.grown = {"data": 0, "metadata": 0}
        self.examined = ()          # the doctor's last findings
        self.examined_at = None
        self.usage = None           # (decide/consumers.Usage, seconds the read took) of the last read
        self.usage_at = None

    def configure(self, settings, event_sources=dict):
        """At start and after each reload: the config in force; event_sources() -> {name: up}."""
        self.settings, self.event_sources = settings, event_sources
        for rung in settings.ladder.order:
            for outcome in OUTCOMES:
                self.actions.setdefault((rung, outcome), 0)
            self.reclaimed.setdefault(rung, 0)
        self.reclaimed.pop("grow", None)
        if why_not_read(settings.mode, "ok", settings.metrics.top_consumers, settings.metrics.enabled) is not None:
            self.usage = self.usage_at = None       # never read under this config: no stale names

    def reloaded(self, ok):
        self.reload_ok = ok

    def observed(self, snapshot):
        self.snapshot = snapshot

    def evaluated(self):
        """The evaluation's time, at its decision."""
        self.evaluated_at = self.clock()

    def judged(self, verdict):
        self.verdict = verdict

    def doctor_ran(self, findings):
        self.examined, self.examined_at = findings, self.clock()

    def usage_read(self, usage, seconds):
        self.usage, self.usage_at = (usage, seconds), self.clock()

    def acted(self, result, before, after):
        key = (result.rung, result.outcome)
        self.actions[key] = self.actions.get(key, 0) + 1
        if before is not None and after is not None and before.name == after.name:
            self._count_space(result.rung, before, after)

    def _count_space(self, rung, before, after):
        """Reclaimed: data used that went away; grown: size that came. Both from the kernel's numbers."""
        for resource, size in (("data", "data_total_bytes"), ("metadata", "metadata_total_bytes")):
            was, now = getattr(before, size), getattr(after, size)
            if was is not None and now is not None and now > was:
                self.grown[resource] += now - was
        if rung != "grow" and before.data_used_bytes is not None and after.data_used_bytes is not None:
            self.reclaimed[rung] = self.reclaimed.get(rung, 0) + max(0, before.data_used_bytes - after.data_used_bytes)

    def write(self):
        if self.settings.metrics.enabled:
            self.publisher.write(self.settings.metrics.path, render(self.families()), "metrics.not_written")

    def families(self):
        pool = self.snapshot.pool if self.snapshot is not None else None
        marks = self.settings.watermarks
        window = self.settings.metrics.forecast_window
        result = pool_families(pool, marks)
        result += forecast_families(pool, self.state.forecast(pool, window), window)
        result += verdict_families(self.verdict)
        result += doctor_families(self.examined, self.examined_at)
        result += usage_families(self.usage, self.usage_at)
        result += self._daemon_families()
        return result

    def _daemon_families(self):
        problems = self.snapshot.problems if self.snapshot is not None else ("kernel: not observed yet",)
        pool = self.snapshot.pool if self.snapshot is not None else None
        up = dict(sources_up(problems, pool is not None and pool.kind == "loop-lvm"), **self.event_sources())
        return [
            gauge(P + "source_up", "Whether a source could be read at the last evaluation (1) or not (0).",
                  *(({"source": s}, up[s]) for s in SOURCES if s in up)),
            gauge(P + "last_evaluation_timestamp_seconds", "When the daemon last evaluated the pool (Unix time).",
                  ({}, self.evaluated_at)),
            gauge(P + "config_last_reload_successful", "Whether the last reload of the config succeeded.",
                  ({}, self.reload_ok)),
            gauge(P + "mode", "The daemon's mode (observe, dry-run, enforce): 1 for the one in force.",
                  *(({"mode": m}, m == self.settings.mode) for m in ("observe", "dry-run", "enforce"))),
            counter(P + "actions_total", "Actions the daemon ran, by rung and outcome.",
                    *(({"rung": r, "outcome": o.replace(" ", "_")}, n) for (r, o), n in sorted(self.actions.items()))),
            counter(P + "reclaimed_bytes_total", "Data space the pool got back, by rung (kernel's numbers).",
                    *(({"rung": r}, n) for r, n in sorted(self.reclaimed.items()))),
            counter(P + "grown_bytes_total", "Bytes the daemon added to the pool, by resource.",
                    *(({"resource": r}, n) for r, n in sorted(self.grown.items()))),
            gauge(P + "build_info", "The running pool-guardian's version and Python.",
                  ({"version": __version__, "python": platform.python_version()}, 1)),
        ]


def verdict_families(verdict):
    """The one verdict as series: a pool watched or not, and every condition, held or not, as the
    plugin exit code of its severity (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)."""
    if verdict is None:
        return []
    worst = {}
    for f in verdict.findings:
        worst.setdefault(f.condition, EXIT_CODE[f.severity])
    return [
        gauge(P + "pools_watched", "Thin pools the daemon watches: 0 means it is blind (no pool, or "
              "several and no pool.name).", ({}, 0 if verdict.pool is None else 1)),
        gauge(P + "condition", "Each condition of the verdict: 0 does not hold, else the severity as "
              "a plugin exit code (1 WARNING, 2 CRITICAL, 3 UNKNOWN).",
              *(({"condition": name}, worst.get(name, 0)) for name in NAMES)),
        gauge(P + "verdict", "The worst condition's severity as a plugin exit code (0 OK).", ({}, verdict.exit_code)),
    ]


def doctor_families(findings, at):
    """The doctor's last findings, one series a check (a bounded set: CHECKS' names)."""
    if at is None:
        return []
    return [
        gauge(P + "doctor_check", "Each of the doctor's checks as a plugin exit code: 0 PASS or SKIP, 1 WARN, "
              "2 FAIL, 3 UNKNOWN (its input could not be read).",
              *(({"check": f.check}, DOCTOR_EXIT_CODE[f.status]) for f in findings)),
        gauge(P + "doctor_last_run_timestamp_seconds", "When the doctor last examined the host (Unix time).",
              ({}, at)),
    ]


def usage_families(read, at):
    """Who uses the pool, at the last read (daemon/usage.py): a bounded label set, the top N of
    each kind by name (decide/consumers.py); the read's time shows how old it is."""
    if at is None:
        return []
    usage, seconds = read
    named = [({"kind": _word(c.kind), "name": c.name, "id": c.ident}, c) for c in usage.top]
    return [
        gauge(P + "consumer_exclusive_bytes", "The biggest containers (their init layer included) and image "
              "layers, metrics.top_consumers of each, by the pool's blocks they alone map (thin_ls).",
              *((labels, c.exclusive_bytes) for labels, c in named)),
        gauge(P + "consumer_mapped_bytes", "The same containers and image layers by all the blocks they map, "
              "those shared with their image included.", *((labels, c.mapped_bytes) for labels, c in named)),
        gauge(P + "usage_exclusive_bytes", "Blocks the pool's thin devices alone map, summed by kind over "
              "every device (deleted and unknown: space Docker may have lost track of).",
              *(({"kind": _word(kind)}, size) for kind, size in usage.by_kind)),
        gauge(P + "thin_devices", "Thin devices the pool holds (thin_ls).", ({}, usage.devices)),
        gauge(P + "usage_last_read_timestamp_seconds", "When the daemon last read who uses the pool (Unix "
              "time).", ({}, at)),
        gauge(P + "usage_read_duration_seconds", "What that read took (thin_ls on a metadata snapshot).",
              ({}, seconds)),
    ]


def _word(kind):
    return kind.replace(" ", "_")


def sources_up(problems, loop_lvm):
    """Each source a problem line names ('docker: ...') is down; the others were read. The
    backing filesystem is a source only in loop-lvm."""
    down = {problem_source(p) for p in problems}
    return {name: name not in down for name in ("kernel", "docker") + (("backing",) if loop_lvm else ())}


def pool_families(pool, marks):
    """The pool as the kernel, Docker and the filesystem under it say, and where it stands."""
    if pool is None:
        return [_watermarks(marks)]
    a = assess(pool, marks)
    by = {"pool": pool.name}
    backing = pool.backing
    mode = (pool.status.failed or pool.status.mode or "").lower()
    return [
        gauge(P + "data_used_bytes", "Data space used in the pool (kernel).", (by, pool.data_used_bytes)),
        gauge(P + "data_size_bytes", "Data space of the pool (kernel).", (by, pool.data_total_bytes)),
        gauge(P + "metadata_used_bytes", "Metadata space used (kernel).", (by, pool.metadata_used_bytes)),
        gauge(P + "metadata_size_bytes", "Metadata space of the pool (kernel).", (by, pool.metadata_total_bytes)),
        gauge(P + "data_effective_free_bytes", "Free data space, or less when the filesystem under the "
              "loop files (loop-lvm) has less.", (by, pool.effective_free_bytes)),
        gauge(P + "data_effective_used_ratio", "Data usage the watermarks compare (0-1).",
              (by, _ratio(a.data_percent))),
        gauge(P + "metadata_used_ratio", "Metadata usage the watermarks compare (0-1).",
              (by, _ratio(a.metadata_percent))),
        gauge(P + "backing_filesystem_free_bytes", "Free space of the filesystem holding the loop files.",
              (by, backing and backing.free_bytes)),
        gauge(P + "backing_filesystem_size_bytes", "Size of the filesystem holding the loop files.",
              (by, backing and backing.total_bytes)),
        gauge(P + "docker_min_free_bytes", "Docker's floor (dm.min_free_space): below it Docker refuses "
              "new containers and pulls.", (by, pool.min_free_bytes)),
        gauge(P + "pool_mode", "The kernel's mode for the pool: 1 for the current one.",
              *((dict(by, mode=m), m == mode) for m in MODES)),
        gauge(P + "pool_healthy", "0 when the kernel forbids writes (ro, out of data space, Fail, "
              "needs_check).", (by, not a.unhealthy)),
        gauge(P + "pool_level", "Where the pool stands against its watermarks: 1 for the current level.",
              *((dict(by, level=lv), lv == a.level) for lv in ORDER)),
        _watermarks(marks),
    ]


def _watermarks(marks):
    return gauge(P + "watermark_ratio", "The configured watermarks (0-1).",
                 *(({"resource": r, "mark": m}, getattr(getattr(marks, r), m) / 100.0)
                   for r in ("data", "metadata") for m in ("warning", "high", "low", "critical")))


def forecast_families(pool, f, window):
    """Rates may be negative (emptying); times to full are absent when the pool is not filling."""
    if pool is None:
        return []
    by = {"pool": pool.name}
    return [
        gauge(P + "forecast_window_seconds", "The past the fill rate is taken over.", ({}, window)),
        gauge(P + "data_fill_rate_bytes_per_second", "Data fill rate (least squares over the window).",
              (by, f.data_rate)),
        gauge(P + "metadata_fill_rate_bytes_per_second", "Metadata fill rate (least squares over the window).",
              (by, f.metadata_rate)),
        gauge(P + "data_full_seconds", "Seconds until no data space is left at the fill rate.",
              (by, f.data_full)),
        gauge(P + "metadata_full_seconds", "Seconds until no metadata space is left at the fill rate.",
              (by, f.metadata_full)),
        gauge(P + "docker_floor_seconds", "Seconds until free data space falls below Docker's floor.",
              (by, f.docker_floor)),
    ]


def _ratio(percent):
    return None if percent is None else percent / 100.0
