"""Files the guardian writes that a reader must find whole: Docker's device records (resize), the
daemon's memory for `plan` and the rescue state that `rescue --undo` goes by."""
import os


def write_atomic(path, text, mode):
    """Temp file, fsync, rename, fsync the directory: the file is either old or new, never torn."""
    folder, base = os.path.split(path)
    tmp = os.path.join(folder, ".{}.pool-guardian-tmp".format(base.lstrip(".")))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        view = memoryview(text.encode())
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.rename(tmp, path)
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
