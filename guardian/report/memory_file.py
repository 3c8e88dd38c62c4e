"""The daemon's ladder memory in a file, so that `pool-guardian plan` plans as the daemon would.

Cooldowns, hourly budgets, back-off after failures and the remediating band live in the daemon's
memory (guardian.decide.ladder.Memory). Without them `plan` from the command line says a rung
would run that the daemon is holding back. The daemon writes its memory to MEMORY_FILE (tmpfs)
whenever it changes and leaves it when it stops: the next daemon reads it back (restore_memory),
so a restart does not reset the budgets. `plan` uses it only while the process that wrote it still
runs: the file names its pid and that process' start time, so a reused pid or a file left by a
stopped daemon is not mistaken for the live one.
"""
import json
import os
import time

from guardian.decide.ladder import Memory, RungMemory
from guardian.decide.race import Estimate
from guardian.errors import ParseError
from guardian.host.files import write_atomic

MEMORY_FILE = "/run/pool-guardian/memory.json"
FUTURE_SLACK = 60.0        # seconds a file or a run may seem ahead of this clock (NTP steps)


def memory_dict(memory, pid, started, written_at):
    return {"pid": pid, "started": started, "written_at": written_at, "remediating": memory.remediating,
            "rungs": {name: dict(rung._asdict(), recent_runs=list(rung.recent_runs))
                      for name, rung in memory.rungs},
            "pool": memory.pool, "estimates": {name: e._asdict() for name, e in memory.estimates}}


def _estimates(data):
    """The rungs' learnt estimates; a file from before they existed has none."""
    found = []
    for name, e in (data.get("estimates") or {}).items():
        returned = None if e["returned"] is None else _time(e["returned"], name + ".returned")
        runs, last = e["runs"], e["last_returned"]
        if isinstance(runs, bool) or not isinstance(runs, int) or runs < 0 or isinstance(last, bool) \
                or not isinstance(last, int):
            raise ValueError("{}: runs and last_returned must be counts".format(name))
        found.append((str(name), Estimate(_time(e["seconds"], name + ".seconds"), returned, runs, last)))
    pool = data.get("pool")
    if pool is not None and not isinstance(pool, str):
        raise TypeError("pool must be a name")
    return pool, tuple(sorted(found))


def _time(value, where):
    """A wall-clock time: a finite number of seconds, never a bool or a string."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value \
            or value in (float("inf"), float("-inf")):
        raise ValueError("{} is not a time: {!r}".format(where, value))
    return float(value)


def _rung(name, rung):
    """One rung's memory, every field of the type the ladder expects (a string of digits is not a
    count: a forged or damaged file must not pass as budgets)."""
    optional = lambda key: None if rung[key] is None else _time(rung[key], "{}.{}".format(name, key))
    failures = rung["failures"]
    if isinstance(failures, bool) or not isinstance(failures, int) or failures < 0:
        raise ValueError("{}.failures is not a count: {!r}".format(name, failures))
    recent = tuple(_time(run, name + ".recent_runs") for run in rung["recent_runs"])
    return RungMemory(optional("last_run"), recent, failures, optional("retry_after"))


def memory_from_dict(data, source):
    """(Memory, pid, start time, written at) from a memory file's content; one-line ParseError naming
    the file otherwise."""
    try:
        if not isinstance(data["remediating"], bool) or not isinstance(data["rungs"], dict):
            raise TypeError("remediating must be true or false and rungs a mapping")
        rungs = tuple(sorted((str(name), _rung(name, rung)) for name, rung in data["rungs"].items()))
        pid, started = data["pid"], data["started"]
        if isinstance(pid, bool) or not isinstance(pid, int) or not (started is None or isinstance(started, int)):
            raise TypeError("pid and started must be whole numbers")
        pool, estimates = _estimates(data)
        return Memory(data["remediating"], rungs, pool, estimates), pid, started, \
            _time(data["written_at"], "written_at")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ParseError("{}: not a pool-guardian memory file ({}: {})".format(
            source, type(exc).__name__, exc))


def process_started(pid, proc="/proc"):
    """The process' start time in clock ticks since boot (/proc/PID/stat field 22), or None."""
    try:
        with open("{}/{}/stat".format(proc, pid)) as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


class MemoryFile:
    """The daemon's side: write the memory when it changed; a failure is logged once, never fatal."""

    def __init__(self, log, path=MEMORY_FILE, clock=time.time):
        self.log = log
        self.path = path
        self.clock = clock
        self.pid = os.getpid()
        self.started = process_started(self.pid)
        self.written = None
        self.failed = False

    def write(self, memory):
        if memory == self.written:
            return
        try:
            os.makedirs(os.path.dirname(self.path), mode=0o755, exist_ok=True)
            write_atomic(self.path, json.dumps(memory_dict(memory, self.pid, self.started, self.clock())), 0o644)
            self.written, self.failed = memory, False
        except OSError as exc:
            if not self.failed:
                self.log.warning("daemon.memory_not_written", path=self.path, error=exc.strerror or str(exc))
            self.failed = True

    def remove(self):
        try:
            os.unlink(self.path)
        except OSError:
            pass


def read_daemon_memory(path=MEMORY_FILE, proc="/proc"):
    """(Memory, where it came from): the running daemon's, or an empty one and why."""
    try:
        with open(path) as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return Memory(), "empty: no daemon memory in {} (no daemon running)".format(path)
    except (OSError, ValueError) as exc:
        return Memory(), "empty: {} cannot be read ({})".format(path, getattr(exc, "strerror", None) or exc)
    try:
        memory, pid, started, _ = memory_from_dict(data, path)
    except ParseError as exc:
        return Memory(), "empty: {}".format(exc)
    if started is None or process_started(pid, proc) != started:
        return Memory(), "empty: the daemon that wrote {} (pid {}) is no longer running".format(path, pid)
    return memory, "the running daemon's (pid {}, {})".format(pid, path)


def restore_memory(log, now, longest_wait, path=MEMORY_FILE, proc="/proc"):
    """At start, the memory the last daemon left, so that a kill (watchdog, OOM, kill -9) or a restart
    does not reset cooldowns, budgets and back-off and run the same rung again in a loop.

    Old files need no special case: their times age out of the cooldowns and the hourly budget.
    A bad file is one journal line and an empty memory; so is a file another live daemon is writing
    (its memory keeps changing under us; the action lock, not this file, keeps two daemons apart).
    """
    memory, why = _read_left_memory(path, proc, now)
    if why is not None:
        log.warning("daemon.memory_ignored", path=path, reason=why)
        return Memory()
    if memory is not None:
        memory = _cap_waits(memory, now + longest_wait)
        log.info("daemon.memory_restored", path=path, rungs=len(memory.rungs), remediating=memory.remediating)
    return memory or Memory()


def _read_left_memory(path, proc, now):
    """(memory or None, why it is not used or None); no file is no memory and nothing to say."""
    try:
        with open(path) as handle:
            data = json.loads(handle.read(1 << 20))
    except FileNotFoundError:
        return None, None
    except (OSError, ValueError, RecursionError) as exc:
        return None, "cannot be read ({})".format(getattr(exc, "strerror", None) or exc)
    try:
        memory, pid, started, written_at = memory_from_dict(data, path)
    except ParseError as exc:
        return None, str(exc)
    if written_at > now + FUTURE_SLACK:
        return None, "written in the future ({:.0f} s ahead of this clock)".format(written_at - now)
    if pid != os.getpid() and started is not None and process_started(pid, proc) == started:
        return None, "another daemon (pid {}) is running and writes it".format(pid)
    too_late = [name for name, rung in memory.rungs
                if any(t > written_at + FUTURE_SLACK for t in (rung.last_run,) + rung.recent_runs if t is not None)]
    if too_late:
        return None, "runs of {} dated after the file was written".format(", ".join(too_late))
    return memory, None


def _cap_waits(memory, latest):
    """A back-off never reaches past the longest the config allows from now (a damaged time must
    not hold a rung back for days)."""
    return memory._replace(rungs=tuple(
        (name, rung._replace(retry_after=min(rung.retry_after, latest)) if rung.retry_after is not None else rung)
        for name, rung in memory.rungs))
