"""Read /proc/PID/mountinfo: which filesystems one mount namespace holds, and from which device.

    36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
    id parent major:minor root mountpoint options [optional fields...] - fstype source super-options

Paths escape space, tab, newline and backslash as octal (\\040 ...). Mount points are relative to
the root directory of the process whose file it is.
"""
import re
from typing import NamedTuple, Tuple

from guardian.errors import ParseError

_OCTAL = re.compile(r"\\([0-7]{3})")


class Mount(NamedTuple):
    mount_id: int
    parent_id: int
    device: str             # "253:5"
    root: str               # the path inside the filesystem that is mounted here ("/" for a whole one)
    mount_point: str
    options: str
    optional: Tuple[str, ...]   # shared:N, master:N, propagate_from:N, unbindable
    fstype: str
    source: str
    super_options: str


def escape(text):
    """A path as mountinfo writes it, to look for it in the raw text."""
    return "".join("\\{:03o}".format(ord(c)) if c in " \t\n\\" else c for c in text)


def unescape(text):
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), text)


def parse_mountinfo(text, source="mountinfo"):
    mounts = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            mounts.append(_mount(line, "{} line {}".format(source, number)))
    return mounts


def _mount(line, where):
    fields = line.split(" ")
    try:
        dash = fields.index("-", 6)
        return Mount(int(fields[0]), int(fields[1]), fields[2], unescape(fields[3]), unescape(fields[4]),
                     fields[5], tuple(fields[6:dash]), fields[dash + 1], unescape(fields[dash + 2]),
                     fields[dash + 3] if len(fields) > dash + 3 else "")
    except (ValueError, IndexError):
        raise ParseError("{}: not a mountinfo line: {!r}".format(where, line[:120]))


def mount_of(mounts, path):
    """The mount a path is on: the last mounted of those whose mount point is the longest prefix
    of path (path already resolved, no symlinks left); None when none is."""
    best = None
    for mount in mounts:
        point = mount.mount_point.rstrip("/") or "/"
        inside = path == point or path.startswith(point if point == "/" else point + "/")
        if inside and (best is None or len(point) >= len(best.mount_point.rstrip("/") or "/")):
            best = mount
    return best


def mount_of_device(mounts, device):
    """A mount of the filesystem on `device` ('254:0'), the whole of it (root '/') before a bind
    of a part, the first mounted first; None when this namespace does not mount it."""
    found = [m for m in mounts if m.device == device]
    return min(found, key=lambda m: (m.root != "/", m.mount_id)) if found else None
