"""Find the captures we can parse inside a sosreport, unpacked or as sos left it (a tarball).

Support cases arrive as sosreports, not as shell access. sos names each captured
command after the command line (spaces become underscores), under the plugin that ran
it: the ``docker`` plugin runs ``docker info``, the ``devicemapper`` plugin runs
``dmsetup table`` and ``dmsetup status`` (and more, which we do not read).
A folder is only listed (the parsers read the files); a tarball is read in one pass, in memory:
nothing is extracted to disk, no link is followed, and no member is read past a size limit.
"""

import os
import tarfile
from typing import NamedTuple, Optional

# What we parse -> where sos puts it, best first: each file is the command's output as it printed it.
CAPTURES = {
    "docker_info": ("sos_commands/docker/docker_info",),
    "dmsetup_status": ("sos_commands/devicemapper/dmsetup_status",),
    "dmsetup_table": ("sos_commands/devicemapper/dmsetup_table",),
}


def find_captures(root_dir):
    """{'docker_info': path, ...} for every capture present; accepts the archive's top folder too."""
    root = _report_root(root_dir)
    found = {}
    for capture, candidates in CAPTURES.items():
        path = next((os.path.join(root, c) for c in candidates if os.path.isfile(os.path.join(root, c))), None)
        if path is not None:
            found[capture] = path
    return found


def _report_root(root_dir):
    """The folder holding sos_commands: root_dir itself, or its only sosreport-* child."""
    if os.path.isdir(os.path.join(root_dir, "sos_commands")):
        return root_dir
    children = [os.path.join(root_dir, name) for name in sorted(os.listdir(root_dir))]
    reports = [child for child in children if os.path.isdir(os.path.join(child, "sos_commands"))]
    return reports[0] if len(reports) == 1 else root_dir


class Member(NamedTuple):
    """A capture found in a tarball: its name there, and its bytes or why they were not read."""
    name: str
    data: Optional[bytes]
    refused: Optional[str]


def tar_captures(fileobj, limit):
    """{'docker_info': Member, ...} from a sosreport tarball (.tar, .tar.gz, .tar.bz2, .tar.xz) read
    as a stream, and the reason the archive ended early (None when it was read to its end).

    Raises tarfile.ReadError when the stream is not a tar archive at all."""
    wanted = {path: capture for capture, candidates in CAPTURES.items() for path in candidates}
    found, rank = {}, {}
    archive = tarfile.open(fileobj=fileobj, mode="r|*")
    try:
        for info in archive:
            path = _report_path(info.name)
            capture = wanted.get(path)
            if capture is None or rank.get(capture, len(CAPTURES[capture])) <= CAPTURES[capture].index(path):
                continue
            rank[capture] = CAPTURES[capture].index(path)
            found[capture] = _member(archive, info, limit)
            if len(rank) == len(CAPTURES) and not any(rank.values()):
                break       # every capture at its best name: the rest of a big report is not read
    except (tarfile.TarError, EOFError, OSError) as exc:
        return found, str(exc) or type(exc).__name__
    finally:
        archive.close()
    return found, None


def _report_path(name):
    """'sosreport-host-2020-01-01-abcdef/sos_commands/x/y' -> 'sos_commands/x/y': the path inside
    the report, whose top folder the tarball may or may not have."""
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if parts and parts[0] != "sos_commands":
        parts = parts[1:]
    return "/".join(parts)


def _member(archive, info, limit):
    if info.issym() or info.islnk():
        return Member(info.name, None, "a link in the archive, not followed")
    if not info.isfile():
        return Member(info.name, None, "not a regular file in the archive")
    if info.size > limit:
        return Member(info.name, None, "larger than {} bytes".format(limit))
    return Member(info.name, archive.extractfile(info).read(limit + 1), None)
