"""The daemon's ladder memory in a file, so that `pool-guardian plan` plans as the daemon would.

Cooldowns, hourly budgets, back-off after failures and the remediating band live in the daemon's
memory (guardian.decide.ladder.Memory). Without them `plan` from the command line says a rung
would run that the daemon is holding back. The daemon writes its memory to MEMORY_FILE (tmpfs)
whenever it changes, and removes it when it stops; `plan` uses it only while the process that
wrote it still runs: the file names its pid and that process' start time, so a reused pid or a
file left by a killed daemon is not mistaken for the live one.
"""
import json
import os
import time

from guardian.decide.ladder import Memory, RungMemory
from guardian.errors import ParseError
from guardian.host.files import write_atomic

MEMORY_FILE = "/run/pool-guardian/memory.json"


def memory_dict(memory, pid, started, written_at):
    return {"pid": pid, "started": started, "written_at": written_at, "remediating": memory.remediating,
            "rungs": {name: dict(rung._asdict(), recent_runs=list(rung.recent_runs))
                      for name, rung in memory.rungs}}


def memory_from_dict(data, source):
    """(Memory, pid, start time) from a memory file's content; one-line ParseError naming the file
    otherwise."""
    try:
        rungs = tuple(sorted((str(name), RungMemory(rung["last_run"], tuple(rung["recent_runs"]),
                                                     int(rung["failures"]), rung["retry_after"]))
                             for name, rung in data["rungs"].items()))
        return Memory(bool(data["remediating"]), rungs), int(data["pid"]), data["started"]
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
        memory, pid, started = memory_from_dict(data, path)
    except ParseError as exc:
        return Memory(), "empty: {}".format(exc)
    if started is None or process_started(pid, proc) != started:
        return Memory(), "empty: the daemon that wrote {} (pid {}) is no longer running".format(path, pid)
    return memory, "the running daemon's (pid {}, {})".format(pid, path)
