"""`diagnose`: the status analysis from captured outputs, for a host you cannot reach.

Captures come from strangers' machines: a file may be anything (a FIFO, a device, megabytes of
garbage, another encoding). Each is read without blocking, with a size limit, as UTF-8 whatever
the locale, and whatever goes wrong with one becomes a problem line, never a traceback.
"""
import os

from guardian.errors import GuardianError, SourceUnavailable
from guardian.host.files import UnfitFile, read_small_file
from guardian.observe.dmsetup import parse_status, parse_table
from guardian.observe.docker_info import parse_docker_info
from guardian.observe.snapshot import compose_snapshot
from guardian.observe.sosreport import find_captures

MAX_CAPTURE_BYTES = 16 << 20     # a docker info or a dmsetup status of thousands of devices is < 1 MiB


def read_capture(path):
    """A captured output, without the '#' lines people put above a paste (outputs never start so)."""
    try:
        data = read_small_file(path, MAX_CAPTURE_BYTES)
    except OSError as exc:
        raise SourceUnavailable(exc.strerror)
    except UnfitFile as exc:
        raise SourceUnavailable(str(exc))
    lines = data.decode("utf-8-sig", errors="replace").splitlines(True)
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "".join(lines)


def diagnose(docker_info=None, dmsetup_status=None, dmsetup_table=None, sosreport=None, pool_name=None):
    """A snapshot from files; a file that cannot be read or parsed becomes a problem line."""
    paths = {"docker_info": docker_info, "dmsetup_status": dmsetup_status, "dmsetup_table": dmsetup_table}
    if sosreport:
        found = _sosreport_captures(sosreport)
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
    if docker is not None and docker.storage_driver not in (None, "devicemapper"):
        problems.append("docker info {}: storage driver is {}, not devicemapper: there is no thin pool "
                        "of Docker's to look at".format(paths["docker_info"], docker.storage_driver))
    return compose_snapshot(statuses, tables, docker, override=pool_name, problems=problems)


def _sosreport_captures(path):
    """find_captures, with a missing or unreadable folder as one line."""
    if not os.path.isdir(path):
        raise GuardianError("diagnose: --sosreport {}: {}".format(
            path, "not a directory" if os.path.exists(path) else "no such directory"))
    try:
        return find_captures(path)
    except OSError as exc:
        raise GuardianError("diagnose: --sosreport {}: {}".format(path, exc.strerror))


def _parsed(path, what, parse, problems):
    if not path:
        return None
    try:
        return parse(read_capture(path))
    except GuardianError as exc:
        problems.append("{} {}: {}".format(what, path, exc))
    except RecursionError:
        problems.append("{} {}: nested too deeply to be {}".format(what, path, what))
    except (ValueError, TypeError, OverflowError, KeyError, AttributeError) as exc:
        # A parser's hole still gives a line (the corpus: tests/unit/tools/test_bad_captures.py).
        problems.append("{} {}: not a {} capture ({}: {})".format(
            what, path, what, type(exc).__name__, str(exc)[:80]))
    return None
