"""What the daemon remembers, in two files under /run/pool-guardian (tmpfs): this module is their
one owner, their writer and their every reader.

memory.json, the ladder's memory (guardian.decide.ladder.Memory): cooldowns, hourly budgets,
back-off after failures, the remediating band and the race's learnt estimates. The daemon writes it
whenever it changes and leaves it when it stops. The next daemon reads it back (restore_memory), so
a restart or a watchdog kill does not reset the budgets and run the same rung again in a loop.
`plan` uses it only while the process that wrote it still runs: the file names its pid and that
process' start time, so a reused pid or a file left by a stopped daemon is not mistaken for the
live one. Without it `plan` would say a rung runs that the daemon is holding back.

fill.json, the daemon's looks at the pool's usage (guardian.decide.forecast.History), data and
metadata: the one history that gives the fill rate of the last seconds (the race's deadline and
grow's absorb sizing) and the forecast over metrics.forecast_window. It is rewritten whenever the
metrics are, at every evaluation at least, so its age is the daemon's (`check`); `check` and
`status` forecast from it and their own look, `plan` races the daemon's deadline from it, and a
restarted daemon continues from it.

doctor.json, the doctor's last findings (guardian.decide.doctor.Finding), written at each of its
runs (start, reload, daily): `check` makes each FAIL its risky_setting condition without running
the checks itself every minute.

All keep the previous version's format: an RPM upgrade restarts the daemon over these files, and
the new daemon reads what the old one left.
"""
import json
import os
import time

from guardian.decide.doctor import Finding as DoctorFinding
from guardian.decide.fill_rate import WINDOW as FILL_WINDOW
from guardian.decide.fill_rate import Sample, fill_rate
from guardian.decide.forecast import History, forecast, remember
from guardian.decide.ladder import Memory, RungMemory
from guardian.decide.race import Estimate
from guardian.decide.verdict import DaemonAge
from guardian.errors import ParseError
from guardian.host.files import unit_enabled, write_atomic
from guardian.host.processes import PROC, process_started

RUN_DIR = "/run/pool-guardian"
MEMORY_FILE = RUN_DIR + "/memory.json"
HISTORY_FILE = RUN_DIR + "/fill.json"
DOCTOR_FILE = RUN_DIR + "/doctor.json"
FUTURE_SLACK = 60.0        # seconds a file or a run may seem ahead of this clock (NTP steps)
MEMORY_LIMIT = 1 << 20     # bytes of a memory file read; a real one is a few kilobytes


class Publisher:
    """Writes files whole (temp file, rename) for readers outside the daemon; a file that cannot be
    written is one warning until it can again, never a failure."""

    def __init__(self, log):
        self.log = log
        self.failed = set()         # paths warned about

    def write(self, path, text, event, create_dir=False):
        try:
            if create_dir:
                os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
            write_atomic(path, text, 0o644)
        except OSError as exc:
            if path not in self.failed:
                self.log.warning(event, path=path, error=exc.strerror or str(exc))
            self.failed.add(path)
            return False
        self.failed.discard(path)
        return True


class DaemonState:
    """The daemon's side: the fill history it keeps, its memory file and its fill file. Outlives a
    reload; a path of None writes nothing (an engine in a test or a bench)."""

    def __init__(self, log, memory_path=MEMORY_FILE, history_path=HISTORY_FILE, clock=time.time, proc=PROC,
                 doctor_path=DOCTOR_FILE):
        self.publisher = Publisher(log)
        self.log = log
        self.memory_path = memory_path
        self.history_path = history_path
        self.doctor_path = doctor_path if history_path is not None else None
        self.clock = clock
        self.proc = proc
        self.pid = os.getpid()
        self.started = process_started(self.pid, proc)
        self.written = None
        self.history = read_history(history_path) if history_path else History()
        self.keep = FILL_WINDOW     # seconds of history kept: the fill rate's and the forecast's

    def configure(self, settings):
        """At start and after each reload: the forecast's window (the fill rate keeps its minute)."""
        self.keep = max(settings.metrics.forecast_window, FILL_WINDOW)

    def looked(self, snapshot):
        """Every look at the pool the daemon takes goes into the history; another pool starts anew."""
        self.history = remember(self.history, snapshot.pool, snapshot.taken_at, self.keep)

    def fill_rate(self):
        """Data bytes per second of the last seconds: the newest look against the newest one at least
        a second older, among the last minute's (decide/fill_rate.py)."""
        return fill_rate(self.history.data)

    def forecast(self, pool, window):
        return forecast(self.history, pool, window)

    def write_memory(self, memory):
        """Whenever it changed; the memory, not this module, is the engine's to change."""
        if memory == self.written or self.memory_path is None:
            return
        text = json.dumps(memory_dict(memory, self.pid, self.started, self.clock()))
        if self.publisher.write(self.memory_path, text, "daemon.memory_not_written", create_dir=True):
            self.written = memory

    def write_history(self):
        if self.history_path is not None:
            self.publisher.write(self.history_path, json.dumps(history_dict(self.history)), "metrics.not_written",
                                 create_dir=True)

    def write_doctor(self, findings):
        if self.doctor_path is not None:
            self.publisher.write(self.doctor_path, json.dumps(
                {"examined_at": self.clock(), "findings": [f._asdict() for f in findings]}),
                "daemon.doctor_not_written", create_dir=True)

    def restore_memory(self, now, longest_wait):
        """At start, the memory the last daemon left, so that a kill (watchdog, OOM, kill -9) or a
        restart does not reset cooldowns, budgets and back-off and run the same rung again in a loop.

        Old files need no special case: their times age out of the cooldowns and the hourly budget.
        A bad file is one journal line and an empty memory; so is a file another live daemon is
        writing (its memory keeps changing under us; the action lock, not this file, keeps two
        daemons apart).
        """
        found, why = _read_memory(self.memory_path) if self.memory_path else (None, None)
        if found is None and why is None:
            return Memory()
        if why is None:
            why = _not_to_restore(found, now, self.proc)
        if why is not None:
            self.log.warning("daemon.memory_ignored", path=self.memory_path, reason=why)
            return Memory()
        memory = _cap_waits(found[0], now + longest_wait)
        self.log.info("daemon.memory_restored", path=self.memory_path, rungs=len(memory.rungs),
                      remediating=memory.remediating)
        return memory


# The memory file

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


def _read_memory(path):
    """((Memory, pid, start time, written at), None) from the file; (None, None) when there is
    none; (None, a one-line reason) when it cannot be read or is not a memory file."""
    try:
        with open(path) as handle:
            data = json.loads(handle.read(MEMORY_LIMIT))
    except FileNotFoundError:
        return None, None
    except (OSError, ValueError, RecursionError) as exc:
        return None, "{} cannot be read ({})".format(path, getattr(exc, "strerror", None) or exc)
    try:
        return memory_from_dict(data, path), None
    except ParseError as exc:
        return None, str(exc)


def read_daemon_memory(path=MEMORY_FILE, proc=PROC):
    """For `plan`: (Memory, where it came from): the running daemon's, or an empty one and why."""
    found, why = _read_memory(path)
    if found is None and why is None:
        return Memory(), "empty: no daemon memory in {} (no daemon running)".format(path)
    if why is not None:
        return Memory(), "empty: {}".format(why)
    memory, pid, started, _ = found
    if started is None or process_started(pid, proc) != started:
        return Memory(), "empty: the daemon that wrote {} (pid {}) is no longer running".format(path, pid)
    return memory, "the running daemon's (pid {}, {})".format(pid, path)


def _not_to_restore(found, now, proc):
    """Why a well-formed memory file is not to be taken, or None."""
    memory, pid, started, written_at = found
    if written_at > now + FUTURE_SLACK:
        return "written in the future ({:.0f} s ahead of this clock)".format(written_at - now)
    if pid != os.getpid() and started is not None and process_started(pid, proc) == started:
        return "another daemon (pid {}) is running and writes it".format(pid)
    too_late = [name for name, rung in memory.rungs
                if any(t > written_at + FUTURE_SLACK for t in (rung.last_run,) + rung.recent_runs if t is not None)]
    if too_late:
        return "runs of {} dated after the file was written".format(", ".join(too_late))
    return None


def _cap_waits(memory, latest):
    """A back-off never reaches past the longest the config allows from now (a damaged time must
    not hold a rung back for days)."""
    return memory._replace(rungs=tuple(
        (name, rung._replace(retry_after=min(rung.retry_after, latest)) if rung.retry_after is not None else rung)
        for name, rung in memory.rungs))


# The fill file

def history_dict(history):
    return {"pool": history.pool, "data": [list(s) for s in history.data],
            "metadata": [list(s) for s in history.metadata]}


def history_from_dict(data):
    """A History from history_dict's output; ValueError, KeyError or TypeError when it is not one."""
    return History(data["pool"], tuple(Sample(float(a), int(u)) for a, u in data["data"]),
                   tuple(Sample(float(a), int(u)) for a, u in data["metadata"]))


def read_history(path=HISTORY_FILE):
    """The samples a daemon published (an empty History when there are none or they are unreadable)."""
    try:
        with open(path) as handle:
            return history_from_dict(json.load(handle))
    except (OSError, ValueError, KeyError, TypeError):
        return History()


def published_forecast(snapshot, settings, path=HISTORY_FILE):
    """For one-shot commands (`check`, `status`): the forecast from the daemon's samples and this
    look, and, when there is none, why (Forecast, note or None)."""
    window = settings.metrics.forecast_window
    history = remember(read_history(path), snapshot.pool, snapshot.taken_at, window)
    outlook = forecast(history, snapshot.pool, window)
    note = None if outlook.data_rate is not None else "no recent samples from the daemon in " + path
    return outlook, note


def published_rate(snapshot, path=HISTORY_FILE):
    """For `plan`: the fill rate of the last seconds, as the daemon's engine sees it, from the
    daemon's samples and this look, so that it races the same deadline as the daemon."""
    history = remember(read_history(path), snapshot.pool, snapshot.taken_at, FILL_WINDOW)
    return fill_rate(history.data) if history.pool is not None else 0.0


def daemon_age(max_age, path=HISTORY_FILE, unit="pool-guardian.service"):
    """When the daemon last evaluated (it rewrites the samples at every evaluation), for `check`."""
    try:
        last = os.stat(path).st_mtime
    except OSError:
        last = None
    return DaemonAge(last, max_age, time.time(), unit_enabled(unit))


# The doctor's file

def published_doctor(path=DOCTOR_FILE):
    """For `check`: the findings of the daemon's last doctor run; none when there is no file (no
    daemon since boot) or it cannot be read."""
    try:
        with open(path) as handle:
            return tuple(DoctorFinding(**f) for f in json.load(handle)["findings"])
    except (OSError, ValueError, KeyError, TypeError):
        return ()
