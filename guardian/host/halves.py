"""Run a search that is all system calls over two halves of its input, in two processes.

Threads do not help such a search: each call is a few microseconds and the threads spend them
passing the interpreter lock back and forth. A forked child takes the second half and sends its
result back marshalled through a pipe. When the fork or the child fails, the second half runs
here too: the answer is the same either way, only slower.

The child does nothing but the work and `os._exit`: no logging, no atexit handlers, no library
destructors. The stop and reload signals are blocked across the fork and reset to their default
in the child, so a SIGTERM that systemd sends to the whole unit ends the child instead of running
the daemon's handlers in it.
"""
import marshal
import os
import signal

_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def in_halves(work, items):
    """[work(first half), work(second half)]: the second in a forked child when one can run."""
    half = len(items) // 2
    first, second = items[:half], items[half:]
    child, results = _fork(work, second)
    if child is None:
        return [work(first), work(second)]
    try:
        mine = work(first)
        theirs = _receive(results)
    finally:
        os.close(results)
        _reap(child)
    if theirs is None:
        theirs = work(second)
    return [mine, theirs]


def _reap(child):
    """Wait for the child; its answer is judged by itself (a marshalled whole, or nothing)."""
    try:
        os.waitpid(child, 0)
    except ChildProcessError:
        pass        # reaped by someone else's waitpid(-1)


def _fork(work, items):
    """(child pid, read end of its pipe), or (None, None) when no child could be started."""
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return None, None
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        child = os.fork()
    except OSError:
        child = None
    if child == 0:
        _child(work, items, read_end, write_end, blocked)
    signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    os.close(write_end)
    if child is None:
        os.close(read_end)
        return None, None
    return child, read_end


def _child(work, items, read_end, write_end, blocked):
    """Never returns: the work's result goes to the pipe, then the process ends at once."""
    status = 1
    try:
        for signum in _SIGNALS:
            signal.signal(signum, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        os.close(read_end)
        view = memoryview(marshal.dumps(work(items)))
        while view:
            view = view[os.write(write_end, view):]
        status = 0
    finally:
        os._exit(status)


def _receive(fd):
    """The child's result, or None when it sent nothing whole: a cut marshal stream never loads,
    since every container in it says its length first or ends with an end mark."""
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    try:
        return marshal.loads(b"".join(chunks))
    except (EOFError, ValueError, TypeError):
        return None
