"""The daemon's read of who uses the pool, for the metrics: at start, after a reload and every
metrics.usage_interval (daemon/watch.py's schedule), after the climb and beside the thread that
feeds the watchdog (thin_ls walks all of the pool's metadata). thin_ls gets pool.command_timeout,
which the watchdog's stall limit always exceeds: a read too slow is cut, its snapshot released,
and told.

decide/consumers.py says whether it may read now and keeps the top N of each kind; tools/top.py
reads (the same read as `pool-guardian top`). Why it did not read is told once until the reason
changes; the metrics keep the last read, with its time, so a stale one shows.
"""
import time

from guardian.decide.consumers import usage, why_not_read
from guardian.decide.levels import assess
from guardian.errors import GuardianError
from guardian.tools.orphans import docker_root_of
from guardian.tools.thin_devices import pool_of
from guardian.tools.top import usage_rows

USAGE_REASONS = frozenset(("start", "reloaded", "usage"))


class UsageReader:
    def __init__(self, settings, host, log, clock=time.monotonic):
        self.settings, self.host, self.log, self.clock = settings, host, log, clock
        self._told = None

    def read(self, snapshot):
        """(Usage, seconds the read took), or None when not read (told in the journal)."""
        count = self.settings.metrics.top_consumers
        pool = snapshot.pool
        level = assess(pool, self.settings.watermarks).level if pool is not None else None
        why = why_not_read(self.settings.mode, level, count, self.settings.metrics.enabled)
        if why is not None:
            self._tell(why, self.log.info)
            return None
        started = self.clock()
        try:
            rows = usage_rows(self.host, pool_of(snapshot), docker_root_of(snapshot),
                              timeout=self.settings.pool.command_timeout)
        except (GuardianError, OSError) as exc:
            self._tell("{}: {}".format(type(exc).__name__, exc), self.log.warning)
            return None
        seconds = self.clock() - started
        self._told = None
        found = usage(rows, count)
        self.log.debug("usage.read", pool=pool.name, devices=found.devices, seconds=round(seconds, 3))
        return found, seconds

    def _tell(self, why, log):
        if why != self._told:
            self._told = why
            log("usage.not_read", message="usage not read: " + why, reason=why)
