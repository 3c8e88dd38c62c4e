"""`diagnose`: the status analysis from captured outputs, for a host you cannot reach.

Captures come from strangers' machines: a file may be anything (a FIFO, a device, megabytes of
garbage, another encoding). Each is read without blocking, with a size limit, as UTF-8 whatever
the locale, and whatever goes wrong with one becomes a problem line, never a traceback. A capture
may come from a file, from stdin (`-`, read once) or from a sosreport, unpacked or a tarball.

Two rules hold for captures only, never for the live daemon: Docker's Data Space Available bounds
the pool's free space (Docker counts the filesystem under its loop file; a capture has no statfs
of it), and `docker info` alone draws the pool from Docker's figures when the kernel's are missing.
"""
import os
import stat
import tarfile
from typing import NamedTuple, Optional

from guardian.decide.verdict import EXIT_CODE, UNKNOWN
from guardian.errors import GuardianError, SourceUnavailable, UsageError
from guardian.host.files import UnfitFile, read_small_file
from guardian.observe.dmsetup import parse_status, parse_table
from guardian.observe.docker_info import HUMAN_SIZE_PRECISION, parse_docker_info
from guardian.observe.snapshot import FreeBound, compose_snapshot, docker_snapshot
from guardian.observe.sosreport import CAPTURES, find_captures, tar_captures

MAX_CAPTURE_BYTES = 16 << 20     # a docker info or a dmsetup status of thousands of devices is < 1 MiB
STDIN = "-"
# The captures we parse, as problem lines name them.
WHAT = {"docker_info": "docker info", "dmsetup_status": "dmsetup status", "dmsetup_table": "dmsetup table"}
DOCKER_AVAILABLE = "docker info Data Space Available"


class NothingToDiagnose(GuardianError):
    """Given captures that hold nothing we read: UNKNOWN, as `check` says when it sees no pool."""

    exit_code = EXIT_CODE[UNKNOWN]


class Capture(NamedTuple):
    name: str                   # the path, 'stdin', or 'report.tar.xz:sosreport-.../sos_commands/...'
    data: Optional[bytes]
    refused: Optional[str]      # why it was not read


def diagnose(docker_info=None, dmsetup_status=None, dmsetup_table=None, sosreport=None, pool_name=None,
             pool_from="--pool", stdin=None):
    """A snapshot from captures; one that cannot be read or parsed becomes a problem line.

    Each capture is a path or '-' (stdin, a binary file object: one capture only); sosreport is a
    folder, a tarball or '-'. pool_from says where pool_name came from ('--pool', 'config pool.name')."""
    given = {"docker_info": docker_info, "dmsetup_status": dmsetup_status, "dmsetup_table": dmsetup_table}
    if not any(given.values()) and not sosreport:
        raise UsageError("diagnose: give at least one of --docker-info, --dmsetup-status, --dmsetup-table "
                         "or --sosreport")
    if list(given.values()).count(STDIN) + (sosreport == STDIN) > 1:
        raise UsageError("diagnose: only one capture can be - (stdin is read once)")
    captures = {key: _capture(path, stdin) for key, path in given.items() if path}
    problems = []
    if sosreport:
        found = _sosreport_captures(sosreport, stdin)
        if not found:
            empty = "--sosreport {}: none of {} in it".format(_shown(sosreport), ", ".join(
                CAPTURES[key][0] for key in WHAT))
            if not captures:
                raise NothingToDiagnose("diagnose: " + empty)
            problems.append(empty)
        captures = dict(found, **captures)
    docker, statuses, tables = (_parsed(captures.get(key), WHAT[key], parse, problems) for key, parse in (
        ("docker_info", parse_docker_info), ("dmsetup_status", parse_status), ("dmsetup_table", parse_table)))
    if "dmsetup_status" not in captures:
        problems.append("dmsetup status: not given; the kernel's view is missing")
    if docker is not None and docker.storage_driver not in (None, "devicemapper"):
        problems.append("docker info {}: storage driver is {}, not devicemapper: there is no thin pool "
                        "of Docker's to look at".format(captures["docker_info"].name, docker.storage_driver))
    bound = docker_bound(docker, pool_name)
    if statuses is None:
        from_docker = docker_snapshot(docker, bound, pool_name, problems, override_from=pool_from)
        if from_docker is not None:
            return from_docker
    return compose_snapshot(statuses, tables or [], docker, override=pool_name, problems=problems, bound=bound,
                            override_from=pool_from)


def docker_bound(docker, pool_name=None):
    """Docker's Data Space Available as a ceiling on its pool's free space (None: no figure, or
    --pool chose another pool). The figure is rounded to four digits: the bound is the most it can
    stand for, so a pool whose free space Docker merely rounded is not shown limited by it."""
    if docker is None or docker.data_available_bytes is None:
        return None
    if pool_name and pool_name != docker.pool_name:
        return None
    return FreeBound(DOCKER_AVAILABLE, int(docker.data_available_bytes * (1 + HUMAN_SIZE_PRECISION)))


def read_capture(data):
    """A capture's text, with the '#' lines people put above a paste blanked (outputs never start
    so), so that a problem names the file's own line numbers."""
    lines = data.decode("utf-8-sig", errors="replace").splitlines(True)
    for index, line in enumerate(lines):
        if not line.startswith("#"):
            break
        lines[index] = "\n"
    return "".join(lines)


def _capture(path, stdin):
    if path == STDIN:
        data = stdin.read(MAX_CAPTURE_BYTES + 1)
        too_big = len(data) > MAX_CAPTURE_BYTES
        return Capture("stdin", None if too_big else data,
                       "larger than {} bytes".format(MAX_CAPTURE_BYTES) if too_big else None)
    try:
        return Capture(path, read_small_file(path, MAX_CAPTURE_BYTES), None)
    except OSError as exc:
        return Capture(path, None, exc.strerror)
    except UnfitFile as exc:
        return Capture(path, None, str(exc))


def _sosreport_captures(path, stdin):
    """{capture: Capture} from a folder (find_captures), a tarball or stdin; a sosreport that cannot
    be opened at all is one line."""
    if path != STDIN and os.path.isdir(path):
        try:
            return {key: _within(path, found) for key, found in find_captures(path).items()}
        except OSError as exc:
            raise NothingToDiagnose("diagnose: --sosreport {}: {}".format(path, exc.strerror))
    handle = stdin if path == STDIN else _open_tarball(path)
    try:
        members, cut_short = tar_captures(handle, MAX_CAPTURE_BYTES)
    except tarfile.TarError as exc:
        raise NothingToDiagnose("diagnose: --sosreport {}: neither a folder nor a tar archive ({})".format(
            _shown(path), exc))
    finally:
        if handle is not stdin:
            handle.close()
    found = {key: Capture("{}:{}".format(_shown(path), m.name), m.data, m.refused) for key, m in members.items()}
    for key in WHAT if cut_short else ():
        found.setdefault(key, Capture(_shown(path), None, "the archive ends early ({}) before {}".format(
            cut_short, CAPTURES[key][0])))
    return found


def _within(folder, path):
    """A capture of an unpacked report, not read when a link leads out of it (to this host's files)."""
    if os.path.realpath(path) != os.path.join(os.path.realpath(folder), os.path.relpath(path, folder)):
        return Capture(path, None, "a link, not followed")
    return _capture(path, None)


def _open_tarball(path):
    """The file, refused unless it is a regular one (a FIFO must not hang us)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except OSError as exc:
        raise NothingToDiagnose("diagnose: --sosreport {}: {}".format(path, exc.strerror))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise NothingToDiagnose("diagnose: --sosreport {}: neither a folder nor a regular file".format(path))
    return os.fdopen(fd, "rb")


def _shown(path):
    return "stdin" if path == STDIN else path


def _parsed(capture, what, parse, problems):
    if capture is None:
        return None
    try:
        if capture.refused:
            raise SourceUnavailable(capture.refused)
        return parse(read_capture(capture.data))
    except GuardianError as exc:
        problems.append("{} {}: {}".format(what, capture.name, exc))
    except RecursionError:
        problems.append("{} {}: nested too deeply to be {}".format(what, capture.name, what))
    except (ValueError, TypeError, OverflowError, KeyError, AttributeError) as exc:
        # A parser's hole still gives a line (the corpus: tests/unit/tools/test_bad_captures.py).
        problems.append("{} {}: not a {} capture ({}: {})".format(
            what, capture.name, what, type(exc).__name__, str(exc)[:80]))
    return None
