"""`diagnose`: the status analysis from captured outputs, for a host you cannot reach."""
from guardian.errors import GuardianError, SourceUnavailable
from guardian.observe.dmsetup import parse_status, parse_table
from guardian.observe.docker_info import parse_docker_info
from guardian.observe.snapshot import compose_snapshot
from guardian.observe.sosreport import find_captures


def read_capture(path):
    """A captured output, without the '#' lines people put above a paste (outputs never start so)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines(True)
    except OSError as exc:
        raise SourceUnavailable(exc.strerror)
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "".join(lines)


def diagnose(docker_info=None, dmsetup_status=None, dmsetup_table=None, sosreport=None, pool_name=None):
    """A snapshot from files; a file that cannot be read or parsed becomes a problem line."""
    paths = {"docker_info": docker_info, "dmsetup_status": dmsetup_status, "dmsetup_table": dmsetup_table}
    if sosreport:
        found = find_captures(sosreport)
        for key in paths:
            paths[key] = paths[key] or found.get(key)
    if not any(paths.values()):
        raise GuardianError("diagnose: give at least one of --docker-info, --dmsetup-status, "
                            "--dmsetup-table or --sosreport (none found there)")
    problems = []
    docker = _parsed(paths["docker_info"], "docker info", parse_docker_info, problems)
    statuses = _parsed(paths["dmsetup_status"], "dmsetup status", parse_status, problems)
    tables = _parsed(paths["dmsetup_table"], "dmsetup table", parse_table, problems) or []
    if paths["dmsetup_status"] is None:
        problems.append("dmsetup status: not given; the kernel's view is missing")
    return compose_snapshot(statuses, tables, docker, override=pool_name, problems=problems)


def _parsed(path, what, parse, problems):
    if not path:
        return None
    try:
        return parse(read_capture(path))
    except GuardianError as exc:
        problems.append("{} {}: {}".format(what, path, exc))
        return None
