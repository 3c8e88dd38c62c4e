"""Renderings of a snapshot: complete JSON for scripts, a glance-able text for people.

The JSON is a documented interface (docs/json.md): add fields, never rename or remove them.
"""
import json

from guardian.decide.doctor import RANK, exit_code, worst
from guardian.decide.levels import assess
from guardian.decide.verdict import duration_words
from guardian.observe.snapshot import DOCKER_FIGURES
from guardian.units import format_bytes

POOL_STATUS_FIELDS = ("length_sectors", "transaction_id", "data_used_blocks", "data_total_blocks",
                      "metadata_used_blocks", "metadata_total_blocks", "held_metadata_root", "mode",
                      "needs_check", "discard", "no_space_policy", "metadata_low_watermark", "failed")


def snapshot_json(snapshot, watermarks, forecast=None, note=None, verdict=None):
    data = snapshot_dict(snapshot, watermarks)
    if forecast is not None:
        data["forecast"] = forecast_dict(forecast, note)
    if verdict is not None:
        data["verdict"] = verdict_dict(verdict)
    return json.dumps(data, indent=2, sort_keys=True)


def verdict_dict(verdict):
    return {"severity": verdict.severity, "exit_code": verdict.exit_code,
            "findings": [dict(f._asdict()) for f in verdict.findings]}


def verdict_lines(verdict):
    """'verdict: CRITICAL', then '  condition: text' for each finding, worst first; a finding
    whose line a worse one already holds (no_pool quotes the source that could not be read) is
    said once."""
    lines, told = ["verdict: " + verdict.severity.upper()], []
    for finding in verdict.findings:
        if not any(finding.text in earlier for earlier in told):
            lines.append("  {}: {}".format(finding.condition, finding.text))
            told.append(finding.text)
    return lines


def forecast_dict(forecast, note=None):
    """The forecast with its units in its keys; null times: not filling (or no forecast: see note)."""
    return {"window_seconds": forecast.window, "span_seconds": forecast.span,
            "data_rate_bytes_per_second": forecast.data_rate,
            "metadata_rate_bytes_per_second": forecast.metadata_rate,
            "data_full_seconds": forecast.data_full, "metadata_full_seconds": forecast.metadata_full,
            "docker_floor_seconds": forecast.docker_floor, "note": note}


def forecast_text(forecast, note=None):
    """'full in ~3 h at 12.0 MiB/s (last 15 min)': the sooner of data and metadata, over the span
    of samples the forecast really had (a daemon started 76 s ago has not seen 15 minutes)."""
    if forecast is None or forecast.data_rate is None:
        return "no forecast ({})".format(note or "not enough samples")
    times = [(s, r) for s, r in ((forecast.data_full, forecast.data_rate),
                                 (forecast.metadata_full, forecast.metadata_rate)) if s is not None]
    last = duration_words(min(forecast.window, forecast.span))
    if not times:
        return "not filling (last {})".format(last)
    seconds, rate = min(times)
    return "full in ~{} at {:.1f} MiB/s (last {})".format(duration_words(seconds), rate / float(1 << 20), last)


def snapshot_dict(snapshot, watermarks):
    docker = snapshot.docker
    return {
        "taken_at": snapshot.taken_at,
        "pool_name": snapshot.pool.name if snapshot.pool else None,
        "docker": None if docker is None else dict(docker._asdict(), warnings=list(docker.warnings)),
        "pools": [pool_dict(view, watermarks) for view in snapshot.pools],
        "problems": list(snapshot.problems),
    }


def pool_dict(view, watermarks):
    status = view.status
    result = {"name": view.name, "kind": view.kind, "watched": view.watched}
    result.update((field, getattr(status, field)) for field in POOL_STATUS_FIELDS)
    assessment = assess(view, watermarks)
    result.update(
        data_block_bytes=view.data_block_bytes,
        data_used_percent=percent_field(status.data_used_percent),
        metadata_used_percent=percent_field(status.metadata_used_percent),
        data_used_bytes=view.data_used_bytes, data_total_bytes=view.data_total_bytes,
        data_free_bytes=view.data_free_bytes,
        metadata_used_bytes=view.metadata_used_bytes, metadata_total_bytes=view.metadata_total_bytes,
        effective_free_bytes=view.effective_free_bytes,
        data_effective_used_percent=percent_field(view.data_effective_used_percent),
        min_free_bytes=view.min_free_bytes, below_docker_floor=view.below_docker_floor,
        figures=view.figures, free_bound=None if view.bound is None else dict(view.bound._asdict()),
        table=None if view.table is None else dict(view.table._asdict(), features=list(view.table.features)),
        backing=_backing_dict(view.backing),
        level={"overall": assessment.level, "data": assessment.data_level,
               "metadata": assessment.metadata_level, "unhealthy": assessment.unhealthy},
    )
    return result


def _backing_dict(backing):
    if backing is None:
        return None
    result = backing._asdict()
    for key in ("data_file", "metadata_file"):
        value = getattr(backing, key)
        result[key] = None if value is None else value._asdict()
    return result


def percent_field(value):
    """A percent as the journal and JSON carry it: two decimals, or None when unknown."""
    return None if value is None else round(value, 2)


def render_status(snapshot, watermarks, forecast=None, note=None, verdict=None):
    """A few lines an operator reads at a glance: the verdict, numbers, percent, mode, what is
    near a limit."""
    lines = [] if verdict is None else verdict_lines(verdict)
    for view in snapshot.pools:
        lines.extend(_pool_lines(view, watermarks))
        if view.watched and forecast is not None:
            lines.append("  forecast " + forecast_text(forecast, note))
    if snapshot.docker is not None:
        lines.extend(_docker_lines(snapshot.docker))
    for problem in snapshot.problems:
        lines.append("problem: " + problem)
    return "\n".join(lines) if lines else "no thin pool and no Docker information"


def _pool_lines(view, watermarks):
    status, a = view.status, assess(view, watermarks)
    mark = "" if view.watched else "  (not watched)"
    docker = view.figures == DOCKER_FIGURES
    head = "pool {} ({}{}){}: {}".format(view.name, view.kind, ", Docker's figures" if docker else "", mark,
                                         a.level.upper())
    if status.failed:
        return [head, "  kernel: " + a.unhealthy]
    if docker:
        mode = "  figures from docker info, rounded; no dmsetup status: the kernel's mode is not known"
    else:
        mode = "  mode {}{}{}".format(status.mode or "(not reported by this kernel)",
                                      ", needs_check" if status.needs_check else "",
                                      ", " + status.no_space_policy if status.no_space_policy else "")
    lines = [head, mode] + [
        "  {:<8} {:>6}  {} of {}{}  {}".format(
            what, _pct(percent), _size(used), _size(total),
            "" if docker else "  ({}/{} blocks)".format(used_blocks, total_blocks), level)
        for what, percent, used, total, used_blocks, total_blocks, level in (
            ("data", status.data_used_percent, view.data_used_bytes, view.data_total_bytes,
             status.data_used_blocks, status.data_total_blocks, a.data_level),
            ("metadata", status.metadata_used_percent, view.metadata_used_bytes, view.metadata_total_bytes,
             status.metadata_used_blocks, status.metadata_total_blocks, a.metadata_level))]
    lines.extend(_limit_lines(view, a))
    return lines


def _limit_lines(view, a):
    lines = []
    if view.backing is not None:
        fs = view.backing
        lines.append("  backing  {}: {} free of {}{}".format(
            fs.directory, _size(fs.free_bytes), _size(fs.total_bytes), _sparse(fs.data_file)))
    if view.free_limit != "pool":
        why = ("the filesystem under the loop file is fuller than the pool" if view.limited_by_backing else
               "{} is less than the pool's free space".format(view.bound.source))
        lines.append("  LIMIT    only {} can really be written: {} ({} effective)".format(
            _size(view.effective_free_bytes), why, _pct(a.data_percent)))
    if view.min_free_bytes is not None:
        lines.append("  docker floor {} free{}".format(
            _size(view.min_free_bytes),
            ": BELOW IT, Docker refuses pulls and new containers" if view.below_docker_floor else ""))
    if a.unhealthy:
        lines.append("  kernel: " + a.unhealthy)
    return lines


def _sparse(sparse_file):
    if sparse_file is None:
        return ""
    return "; data file {} apparent, {} allocated".format(
        _size(sparse_file.apparent_bytes), _size(sparse_file.allocated_bytes))


def _docker_lines(docker):
    lines = ["docker {}: storage driver {}, pool {}, udev sync {}, deferred removal {}".format(
        docker.server_version or "(version unknown)", docker.storage_driver or "?", docker.pool_name or "-",
        _yes_no(docker.udev_sync_supported), _yes_no(docker.deferred_removal))]
    for what in ("data", "metadata"):
        used, total, free = (getattr(docker, "{}_{}_bytes".format(what, part))
                             for part in ("used", "total", "available"))
        if used is not None or total is not None:
            lines.append("  docker's {:<8} {} used of {}, {} available".format(
                what, _size(used), _size(total), _size(free)))
    if docker.data_loop_file:
        lines.append("  loop files {}, {}".format(docker.data_loop_file, docker.metadata_loop_file or "-"))
    return lines


def _yes_no(value):
    return "?" if value is None else ("yes" if value else "no")


def _pct(value):
    return "?" if value is None else "{:.1f}%".format(value)


def _size(value):
    return "?" if value is None else format_bytes(value)


def plan_dict(plan):
    return {"pool": plan.pool, "mode": plan.mode, "level": plan.level, "why": plan.why,
            "steps": [dict(s._asdict()) for s in plan.steps],
            "skipped": [dict(s._asdict()) for s in plan.skipped],
            "alert": plan.alert, "remediating": plan.remediating}


def plan_json(plan, memory_from=None, rung_plans=None):
    """rung_plans: {rung: its own plan's one line} (what prune, release_mounts and fstrim would act on)."""
    data = plan_dict(plan)
    if memory_from:
        data["memory"] = memory_from
    if rung_plans:
        data["rung_plans"] = rung_plans
    return json.dumps(data, indent=2, sort_keys=True)


def render_plan(plan, memory_from=None, rung_plans=None):
    lines = ["pool {}: {} ({} mode)".format(plan.pool or "-", plan.level.upper(), plan.mode),
             "  why: " + plan.why]
    if memory_from:
        lines.append("  memory: " + memory_from)
    for s in plan.steps:
        lines.append("  run  {}: {}".format(s.rung, s.why))
        if (rung_plans or {}).get(s.rung):
            lines.append("       " + rung_plans[s.rung])
    lines.extend("  skip {}: {}".format(s.rung, s.why) for s in plan.skipped)
    if plan.alert:
        lines.append("  ALERT: " + plan.alert)
    return "\n".join(lines)


def finding_line(found):
    """A doctor's finding on one line: 'may_detach_mounts: fs.may_detach_mounts = 0; what it costs -> the change'."""
    line = "{}: {}".format(found.check, found.seen)
    if found.meaning:
        line += "; " + found.meaning
    if found.change:
        line += " -> " + found.change
    return line


def examined_line(findings, heading="doctor"):
    """'doctor: FAIL (1 FAIL, 3 WARN, 6 PASS)': the worst status, then how many of each, worst first."""
    counts = {}
    for found in findings:
        counts[found.status] = counts.get(found.status, 0) + 1
    return "{}: {} ({})".format(heading, worst(findings), ", ".join(
        "{} {}".format(counts[status], status) for status in sorted(counts, key=lambda s: (-RANK[s], s))))


def findings_text(findings, heading="doctor"):
    """'doctor: WARN (...counts)', then one line a check: status, name, what it saw, the change."""
    lines = ["{:<7} {}".format(f.status, finding_line(f)) for f in findings]
    return "\n".join([examined_line(findings, heading)] + lines)


def findings_data(findings):
    """The doctor's findings as `doctor --json` and `diagnose --json` print them."""
    return {"status": worst(findings), "exit_code": exit_code(findings),
            "findings": [dict(f._asdict()) for f in findings]}
