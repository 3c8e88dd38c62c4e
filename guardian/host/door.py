"""The one door to the host: every external command and every change goes through `HostDoor`.

`HostDoor.run` runs an argv list (never a shell) with a timeout after which the whole process group
is killed. `HostDoor.change` applies a change that is not a command (an ioctl, a syscall, a Docker
API call), logged as the command it stands for. Dry-run is known here and nowhere else: a command
marked `changes=True`, or a change, is checked (we would be allowed to act) and logged, not done.
Changes are logged at info, so the journal keeps every one; reads at debug. A change is logged
twice, `command.starting` before and `command.ran` after: a daemon SIGKILLed while dockerd
removes a container never writes the second, and the first is then the only trace of who did it.
"""
import os
import shutil
import signal
import subprocess
import time
from typing import NamedTuple, Optional, Sequence

from guardian.errors import CommandError

DEFAULT_TIMEOUT = 30.0
# Where the tools live on CentOS 7 and Debian; systemd units get a minimal PATH.
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class CommandResult(NamedTuple):
    argv: tuple
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    executed: bool = True


def first_line(text):
    """The first non-empty line of a command's output, for one-line errors."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


class HostDoor:
    """Runs commands with timeouts and applies changes; in dry-run mode, skips every change."""

    def __init__(self, log, dry_run=False, timeout=DEFAULT_TIMEOUT):
        self.log = log
        self.dry_run = dry_run
        self.timeout = timeout

    def which(self, name):
        """Full path of a command, searching the system directories too."""
        path = shutil.which(name, path=os.environ.get("PATH", "") + ":" + SYSTEM_PATH)
        if path is None:
            raise CommandError("{}: command not found (is it installed?)".format(name))
        return path

    def run(self, argv, timeout=None, check=True, changes=False):
        # type: (Sequence[str], Optional[float], bool, bool) -> CommandResult
        """Run argv; raise CommandError on a missing command, a timeout, or (check) a failure."""
        argv = tuple(argv)
        path = self.which(argv[0])
        if changes and self._skipped(" ".join(argv)):
            return CommandResult(argv, 0, "", "", 0.0, executed=False)
        if changes:
            self.log.info("command.starting", argv=" ".join(argv))
        result = self._execute(path, argv, timeout or self.timeout)
        (self.log.info if changes else self.log.debug)(
            "command.ran", argv=" ".join(argv), rc=result.returncode, seconds=round(result.seconds, 3))
        if check and result.returncode != 0:
            raise CommandError("{} failed (exit {}): {}".format(
                " ".join(argv), result.returncode, first_line(result.stderr or result.stdout)))
        return result

    def change(self, label, fn, *args):
        """fn(*args), logged under label (the command it stands for). True once done; False when
        dry-run skipped it. fn's error is logged with Docker's status when it has one, and raised."""
        if self._skipped(label):
            return False
        self.log.info("command.starting", argv=label)
        started = time.monotonic()
        try:
            fn(*args)
        except Exception as exc:
            self.log.info("command.ran", argv=label, rc=getattr(exc, "status", None) or 1, error=str(exc),
                          seconds=round(time.monotonic() - started, 3))
            raise
        self.log.info("command.ran", argv=label, rc=0, seconds=round(time.monotonic() - started, 3))
        return True

    def _skipped(self, label):
        """In dry-run, log the change as skipped, after proving we could act: the real run needs root."""
        if not self.dry_run:
            return False
        if os.geteuid() != 0:
            raise CommandError("dry-run: acting on the pool needs root (running as uid {})".format(
                os.geteuid()))
        self.log.info("command.skipped", argv=label, reason="dry-run")
        return True

    @staticmethod
    def _execute(path, argv, timeout):
        started = time.monotonic()
        try:
            proc = subprocess.Popen(
                argv, executable=path, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                start_new_session=True, env=dict(os.environ, LC_ALL="C"))
        except OSError as exc:
            raise CommandError("{}: cannot run: {}".format(argv[0], exc.strerror))
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise CommandError(_give_up(proc, argv, timeout))
        return CommandResult(argv, proc.returncode, out, err, time.monotonic() - started)


def _give_up(proc, argv, timeout):
    """Kill the process group and stop reading at once: a grandchild that left the group may hold
    the pipes open for as long as it likes, so we never wait for their end. The message says which
    of the two happened."""
    exited = proc.poll()
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()
    try:
        proc.wait(timeout=1)
    except subprocess.TimeoutExpired:
        pass
    if exited is None:
        return "{} timed out after {:g} s: killed it and its process group".format(" ".join(argv), timeout)
    return ("{} exited {} but a process it left behind still held its output after {:g} s: "
            "output not read, process group killed".format(" ".join(argv), exited, timeout))
