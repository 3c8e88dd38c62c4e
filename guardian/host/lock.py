"""One actor at a time: the daemon and the one-shot commands take the same lock before acting.

Two actors on one pool could grow it twice or remove a container the other is inspecting.
An flock on a file in /run dies with its holder, so a killed process never leaves it taken.
"""
import errno
import fcntl
import os
from contextlib import contextmanager

from guardian.errors import GuardianError

ACTION_LOCK = "/run/pool-guardian/act.lock"


class LockBusy(GuardianError):
    """Another pool-guardian process is acting on the pool right now."""


@contextmanager
def action_lock(path=ACTION_LOCK, wait=False):
    """Hold the action lock for the block; LockBusy names the holder when wait is False."""
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
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


def _holder(fd):
    """The pid the holder wrote, or 'unknown' (it may not have written it yet)."""
    try:
        return os.pread(fd, 32, 0).decode().strip() or "unknown"
    except OSError:
        return "unknown"
