"""Events only wake the engine: reasons pile up while it works, and one wait takes them all.

An event during an evaluation therefore queues exactly one more evaluation, and a burst of
udev or device-mapper events coalesces into one.
"""
import threading


class Wakeup:
    def __init__(self):
        self._cond = threading.Condition()
        self._reasons = set()

    def request(self, reason):
        with self._cond:
            self._reasons.add(reason)
            self._cond.notify()

    def wait(self, timeout):
        """The reasons gathered since the last wait; empty if none came within timeout."""
        with self._cond:
            if not self._reasons:
                self._cond.wait(timeout)
            reasons, self._reasons = frozenset(self._reasons), set()
            return reasons
