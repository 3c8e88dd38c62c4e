"""One actor at a time: the daemon and the one-shot commands take the same lock before acting.

Two actors on one pool could grow it twice or remove a container the other is inspecting.
An flock on a file in /run dies with its holder, so a killed process never leaves it taken.
"""
import errno
import fcntl
import os
import stat
from contextlib import contextmanager

from guardian.errors import GuardianError
from guardian.host.files import private_directory

ACTION_LOCK = "/run/pool-guardian/act.lock"


class LockBusy(GuardianError):
    """Another pool-guardian process is acting on the pool right now."""


@contextmanager
def action_lock(path=ACTION_LOCK, wait=False):
    """Hold the action lock for the block; LockBusy names the holder when wait is False."""
    fd = _open_lock_file(path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise GuardianError("lock {}: {}".format(path, exc.strerror))
            raise LockBusy("another pool-guardian is acting on the pool ({} held by pid {})".format(
                path, _holder(fd)))
        os.ftruncate(fd, 0)
        os.write(fd, "{}\n".format(os.getpid()).encode())
        yield
    finally:
        os.close(fd)


def _open_lock_file(path):
    """The lock file in a private directory, never through a symlink (a planted link would have
    the pid written into whatever file it names), and only a regular file."""
    private_directory(os.path.dirname(path))
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, 0o644)
    except OSError as exc:
        reason = "a symlink: refused" if exc.errno == errno.ELOOP else exc.strerror
        raise GuardianError("lock {}: {}".format(path, reason))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise GuardianError("lock {}: not a regular file: refused".format(path))
    return fd


def _holder(fd):
    """The pid the holder wrote, or 'unknown' (it may not have written it yet)."""
    try:
        return os.pread(fd, 32, 0).decode().strip() or "unknown"
    except OSError:
        return "unknown"
