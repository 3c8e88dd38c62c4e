"""A rung runs in a thread of its own while the main thread keeps systemd's watchdog fed.

A rung may rightly take minutes: a prune waits on each Docker call up to its deadline, fstrim
may use its whole time budget. Were the loop silent that long, systemd would kill a healthy
daemon mid-rung. The watchdog is fed only while the rung makes progress (the rung calls
ctx.heartbeat between steps) within the longest deadline one step may have: a rung stuck past
every deadline goes unfed, and systemd restarts the daemon as it would a hung loop.
"""
import threading
import time


class Progress:
    """When the rung last said it moved on."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.at = clock()

    def mark(self):
        self.at = self.clock()

    def stalled_for(self):
        return self.clock() - self.at


def run_beside(work, feed, every, stall_limit, name, meanwhile=lambda: None):
    """work(progress.mark) in a thread; feed() every `every` seconds while it has progressed in
    the last `stall_limit` seconds, and meanwhile() every `every` seconds whatever it does (the
    engine's race: a rung stuck on dockerd is when a faster one is needed beside it); returns what
    work returned. work must not raise."""
    progress = Progress()
    returned = []
    thread = threading.Thread(target=lambda: returned.append(work(progress.mark)), name=name, daemon=True)
    thread.start()
    while True:
        thread.join(every)
        if not thread.is_alive():
            return returned[0]
        meanwhile()
        if progress.stalled_for() < stall_limit:
            feed()
