"""Files the guardian writes that a reader must find whole: Docker's device records (resize), the
daemon's memory for `plan` and the rescue state that `rescue --undo` goes by.

We run as root in directories a planted symlink could point elsewhere: nothing here follows a
link at the last step, and temp names are unique and created exclusively.
"""
import os
import stat
import tempfile

from guardian.errors import GuardianError


def write_atomic(path, text, mode):
    """Temp file, fsync, rename, fsync the directory: the file is either old or new, never torn.

    mkstemp creates the temp file with O_EXCL under a random name, so a link planted at a guessable
    name is never written through; rename replaces a link at path rather than following it.
    """
    folder, base = os.path.split(path)
    fd, tmp = tempfile.mkstemp(prefix=".{}.".format(base.lstrip(".")), suffix=".pool-guardian-tmp",
                               dir=folder or ".")
    try:
        try:
            os.fchmod(fd, mode)
            view = memoryview(text.encode())
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(tmp, path)
    except BaseException:
        _remove_quietly(tmp)
        raise
    dir_fd = os.open(folder or ".", os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class UnfitFile(GuardianError):
    """A file we will not read: not a regular file, or larger than we allow."""


def read_small_file(path, limit, check=None):
    """The bytes of a regular file of at most `limit` bytes; check(fstat result) may refuse it.

    O_NONBLOCK keeps a FIFO from hanging the open; fstat then refuses anything but a regular file
    (a FIFO, /dev/zero, a folder); reading stops one byte past the limit.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnfitFile("not a regular file")
        if check:
            check(info)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:
        raise UnfitFile("larger than {} bytes".format(limit))
    return b"".join(chunks)


def _remove_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def private_directory(path):
    """A directory only we can write: created 0700 when missing; an existing one must be a real
    directory (not a link), owned by us, and not writable by group or others."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise GuardianError("directory {}: not a directory (a symlink or a file): refused".format(path))
    if info.st_uid != os.geteuid():
        raise GuardianError("directory {}: owned by uid {}, not by us (uid {}): refused".format(
            path, info.st_uid, os.geteuid()))
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise GuardianError("directory {}: writable by group or others (mode {:04o}): refused".format(
            path, stat.S_IMODE(info.st_mode)))
    return path


def unit_enabled(unit, root="/etc/systemd/system"):
    """Whether `systemctl enable` made the unit wanted by some target (its symlink in a .wants
    folder), read without starting systemctl: `check` runs every few minutes under NRPE."""
    try:
        folders = [f for f in os.listdir(root) if f.endswith(".wants")]
    except OSError:
        return False
    return any(os.path.lexists(os.path.join(root, f, unit)) for f in folders)
