"""Run a search that is all system calls over a list, in two processes that take it from both ends.

Threads do not help such a search: each call is a few microseconds and the threads spend them
passing the interpreter lock back and forth. So this process takes the list chunk by chunk from
the front and a forked child takes it from the back, until they meet. Where they meet is found
as they go, not fixed in advance: the part with more work in it (in the holder search, the
namespaces that hold something, whose processes are named) is shared out as it turns up. Two
bytes of shared memory say how many chunks each end has finished; a chunk is taken only after
reading how far the other end has got, and marked finished only once worked on, so that a
chunk in the middle may be worked on by both (the caller's merge must take duplicates) but
none is left out. Single bytes, so that no read can see half a write: at most 255 chunks.

The child sends its result back marshalled through a pipe. When the fork fails, this process
works on the whole list; when the child fails (it died, or sent nothing whole), the chunks it
took are worked on here again: the answer is the same either way, only slower.

The child does nothing but the work and `os._exit`: no logging, no atexit handlers, no library
destructors. The stop and reload signals are blocked across the fork and reset to their default
in the child, so a SIGTERM that systemd sends to the whole unit ends the child instead of running
the daemon's handlers in it.
"""
import marshal
import mmap
import os
import signal

_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
MAX_CHUNKS = 255
MIN_CHUNK = 16


class _Meeting:
    """The list in chunks, and how far each end has got: shared[0] chunks finished from the
    front, every chunk from shared[1] on finished from the back."""

    def __init__(self, items):
        self.items = items
        self.chunk = max(MIN_CHUNK, -(-len(items) // MAX_CHUNKS))
        self.count = -(-len(items) // self.chunk)
        self.shared = mmap.mmap(-1, 2)
        self.shared[0], self.shared[1] = 0, self.count
        self.front_stop = 0

    def _part(self, index):
        return self.items[index * self.chunk:(index + 1) * self.chunk]

    def from_front(self):
        """Items chunk by chunk until the back's finished chunks; a chunk is marked finished
        when the next item is asked for, which is after its last one was worked on."""
        index = 0
        while index < self.shared[1]:
            yield from self._part(index)
            index += 1
            self.shared[0] = index
        self.front_stop = index

    def from_back(self):
        index = self.count
        while index > self.shared[0]:
            index -= 1
            yield from self._part(index)
            self.shared[1] = index

    def rest(self):
        """What the front did not reach: the back's part, when the back's answer is lost."""
        return self.items[self.front_stop * self.chunk:]


def from_both_ends(work, items):
    """[work(the front's items), work(the back's items)]: each from a generator of items, the
    back's in a forked child when one can run. An item may be in both parts."""
    meeting = _Meeting(items)
    child, results = _fork(work, meeting)
    if child is None:
        return [work(meeting.from_front()), work(())]
    try:
        mine = work(meeting.from_front())
        theirs = _receive(results)
    finally:
        os.close(results)
        _reap(child)
    if theirs is None:
        theirs = work(meeting.rest())
    return [mine, theirs]


def _reap(child):
    """Wait for the child; its answer is judged by itself (a marshalled whole, or nothing)."""
    try:
        os.waitpid(child, 0)
    except ChildProcessError:
        pass        # reaped by someone else's waitpid(-1)


def _fork(work, meeting):
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
        _child(work, meeting, read_end, write_end, blocked)
    signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    os.close(write_end)
    if child is None:
        os.close(read_end)
        return None, None
    return child, read_end


def _child(work, meeting, read_end, write_end, blocked):
    """Never returns: the work's result goes to the pipe, then the process ends at once."""
    status = 1
    try:
        for signum in _SIGNALS:
            signal.signal(signum, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        os.close(read_end)
        view = memoryview(marshal.dumps(work(meeting.from_back())))
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
