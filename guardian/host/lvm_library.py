"""LVM's commands inside this process, through liblvm2cmd, as dmeventd runs its lvextend.

Growing a direct-lvm pool under fire is a race: every LVM process pays its start-up (0.1-0.2 s
under load: config, device scan, locale) before it reads a byte, and a grow needs three of them.
liblvm2cmd (lvm2-libs on CentOS 7, liblvm2cmd2.03 on Debian) runs the very same command lines in
a context that stays warm. It is loaded only when the first LVM command is run, so a daemon that
watches a loop-lvm pool never pays for it.

The library is not thread-safe and cannot be killed at a timeout: one command at a time, under a
lock, and the daemon's systemd watchdog is the timeout. A report's output arrives line by line
through a log callback; print-level lines (reports, notices) become stdout, errors become stderr.
LVM calls that callback for each of its debug lines too, some 1350 for one lvextend, and each
call into Python costs: measured in the test bed, 0.04 s of an lvextend's 0.17 s to the pool's
resume. lvextend, whose output is not read, therefore runs without the callback, quiet, its
errors written to a log file of its own on tmpfs (quiet_line). (Other commands stay with the
callback: the log settings would come in a --config, and a --config costs a reload of LVM's
configuration before and after the command, which lvextend pays anyway for its own.)

LVM sets process-wide state as it starts: umask 077 (global/umask) and the environment's locale.
The daemon keeps its own: LVM's umask is applied only while one of its commands runs, and the
locale is put back (LVM's commands then run under the daemon's, C but for LC_CTYPE, as the lvm
processes run under LC_ALL=C).
"""
import atexit
import ctypes
import ctypes.util
import locale
import os
import shutil
import threading
from contextlib import contextmanager
from typing import NamedTuple, Optional

LIBRARY_NAMES = ("liblvm2cmd.so.2.03", "liblvm2cmd.so.2.02", ctypes.util.find_library("lvm2cmd"))
PROCESSED = 1       # ECMD_PROCESSED: lvm2_run's success
LOG_PRINT = 4       # syslog's warning level, as the callback gets it: log_print and log_warn
                    # (reports, notices, warnings); below it are errors, above it debug
COMMAND_NAMES = frozenset(("lvs", "vgs", "lvextend", "lvm"))
QUIET_COMMANDS = frozenset(("lvextend",))
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3     # glibc's mallopt parameters
RESERVE_FAULTED = 10 << 20      # LVM's default reserved_memory, 8 MiB, and its 2 MB more
RESERVE_KEPT = 16 << 20
LOG_DIR_PREFIX = "pool-guardian-lvm."
STICKY_OPTIONS = frozenset(("--metadataprofile", "--commandprofile", "--profile"))

# lvm2_log_fn_t(level, file, line, dm_errno, message). LVM calls it for every debug line too
# (some 1500 for one lvextend): the strings come as addresses, read only for the lines kept.
_LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_void_p)


class LvmOutput(NamedTuple):
    returncode: int     # 0 on success, as the lvm process would exit
    stdout: str
    stderr: str


def command_line(argv):
    """lvm2_run's words for argv ('lvm config ...' is 'config ...'), or None when the command
    must be a process: a word with whitespace (lvm2_run splits on it and has no quoting), or a
    profile option, whose profile stays applied in the library's context to the commands after
    it (measured: `config --metadataprofile P` once, and every later `config` read P's values)."""
    words = list(argv[1:] if argv[0] == "lvm" else argv)
    if argv[0] not in COMMAND_NAMES or not words or any(not w or w != "".join(w.split()) for w in words):
        return None
    if any(w.split("=")[0] in STICKY_OPTIONS for w in words):
        return None
    return " ".join(words)


def quiet_line(line, log_file):
    """The command line with LVM's logging set to write its errors, and nothing else, to
    log_file (rewritten for each command, even while a device is suspended: it is on tmpfs) and
    to print nothing: settings added to the command's --config, or a --config of their own."""
    settings = ('log{{file="{}"}}log{{overwrite=1}}log{{level=3}}log{{activation=1}}'
                'log{{debug_file_fields=["message"]}}log{{verbose=-2}}').format(log_file)
    words = line.split()
    if "--config" in words[:-1]:
        at = words.index("--config") + 1
        words[at] += settings
    else:
        words[1:1] = ["--config", settings]
    return " ".join(words)


@contextmanager
def _process_state_kept():
    """The daemon's umask and locale, as they were before, whatever LVM sets meanwhile."""
    mask, where = os.umask(0o022), locale.setlocale(locale.LC_ALL, None)
    os.umask(mask)
    try:
        yield
    finally:
        os.umask(mask)
        locale.setlocale(locale.LC_ALL, where)


class LvmLibrary:
    """One warm LVM command context; `run` takes a command line and returns its output."""

    def __init__(self, lib):
        self._lib = lib
        self._lock = threading.Lock()
        self._lines = None
        self._runner_thread = None
        # The callback also receives libdevmapper's messages from other threads (LVM installs
        # itself as libdevmapper's logger): only the running command's own lines are kept.
        self._callback = _LOG_FN(self._collect)
        lib.lvm2_log_fn(self._callback)
        self._log_dir = _private_tmpfs_dir()
        _keep_lvm_reserve_resident()
        # Library destructors may still log while Python finalizes: give LVM its default logger back.
        atexit.register(lib.lvm2_log_fn, _LOG_FN())
        with _process_state_kept():
            self.handle = lib.lvm2_init()
            self._umask = os.umask(0o077)     # LVM's own (global/umask), for its commands only
        if self.handle:     # frees LVM's memory pools, which libdevmapper otherwise reports as leaks
            atexit.register(lib.lvm2_exit, ctypes.c_void_p(self.handle))

    def _collect(self, level, _file, _line, _errno, message):
        if level <= LOG_PRINT and self._lines is not None and threading.get_ident() == self._runner_thread:
            text = ctypes.string_at(message) if message else b""
            self._lines.append((level, text.decode("utf-8", "replace")))

    def run(self, line):
        # type: (str) -> LvmOutput
        with self._lock, _process_state_kept():
            os.umask(self._umask)
            if self._log_dir and line.split()[0] in QUIET_COMMANDS:
                return self._run_quiet(line)
            self._lines, self._runner_thread = [], threading.get_ident()
            try:
                code = self._lib.lvm2_run(self.handle, line.encode())
            finally:
                lines, self._lines, self._runner_thread = self._lines, None, None
        stdout = "".join(text + "\n" for level, text in lines if level == LOG_PRINT)
        stderr = "".join(text + "\n" for level, text in lines if level < LOG_PRINT)
        return LvmOutput(_exit_code(code), stdout, stderr)

    def _run_quiet(self, line):
        log_file = os.path.join(self._log_dir, "errors")
        try:
            os.unlink(log_file)     # no earlier command's errors: LVM may fail before it logs
        except OSError:
            pass
        self._lib.lvm2_log_fn(_LOG_FN())
        try:
            code = self._lib.lvm2_run(self.handle, quiet_line(line, log_file).encode())
        finally:
            self._lib.lvm2_log_fn(self._callback)
        try:
            with open(log_file, errors="replace") as handle:
                errors = "".join(text.strip() + "\n" for text in handle if text.strip())
        except OSError:
            errors = ""
        if code != PROCESSED and not errors:
            errors = "LVM failed before its log was set up; its message is in the daemon's stderr\n"
        return LvmOutput(_exit_code(code), "", errors)


def _exit_code(code):
    return 0 if code == PROCESSED else code


def _keep_lvm_reserve_resident():
    """Before each suspend LVM mallocs its reserved memory (activation/reserved_memory, 8 MiB
    by default, and 2 MB more), writes every page of it, and frees it; glibc gives it back to
    the kernel, and the next grow faults it all in again (in the test bed, 0.02-0.04 s of each
    grow). Here allocations up to RESERVE_KEPT come from the heap, up to RESERVE_KEPT of freed
    heap stays in the process, and the reserve's pages are faulted in once, now, rather than in
    the first grow: the daemon's RSS is that much higher from the first LVM command on. The
    daemon's LVM commands run on its main thread, whose heap this is, as is this call's."""
    libc = ctypes.CDLL(None)
    if not hasattr(libc, "mallopt"):    # not glibc: each grow pays the faults
        return
    libc.mallopt(M_MMAP_THRESHOLD, RESERVE_KEPT)
    libc.mallopt(M_TRIM_THRESHOLD, RESERVE_KEPT)
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    reserve = libc.malloc(RESERVE_FAULTED)
    if reserve:
        ctypes.memset(reserve, 0, RESERVE_FAULTED)
        libc.free(reserve)


def _private_tmpfs_dir():
    """A directory of this process' own for LVM's log file, on tmpfs (no write there can wait on
    a suspended pool), named by its pid and removed at exit; those of processes that are gone
    (killed, so no exit) are removed first. None where there is none (every command then runs
    with the callback)."""
    for parent in ("/run", "/dev/shm"):
        try:
            for name in os.listdir(parent):
                pid = name[len(LOG_DIR_PREFIX):]
                if name.startswith(LOG_DIR_PREFIX) and pid.isdigit() and not os.path.exists("/proc/" + pid):
                    shutil.rmtree(os.path.join(parent, name), True)
            directory = os.path.join(parent, LOG_DIR_PREFIX + str(os.getpid()))
            shutil.rmtree(directory, True)      # a pid reused since
            os.mkdir(directory, 0o700)
        except OSError:
            continue
        atexit.register(shutil.rmtree, directory, True)
        return directory
    return None


_library = None     # type: Optional[LvmLibrary]
_loaded = False
_load_lock = threading.Lock()


def lvm_library():
    """The process' LvmLibrary, loaded at the first call; None where liblvm2cmd is missing or
    does not start (the caller then runs the lvm commands as processes)."""
    global _library, _loaded
    with _load_lock:
        if not _loaded:
            _loaded = True
            _library = _load()
        return _library


def _load():
    for name in LIBRARY_NAMES:
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        lib.lvm2_init.restype = ctypes.c_void_p
        lib.lvm2_run.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.lvm2_log_fn.argtypes = [_LOG_FN]
        lib.lvm2_exit.argtypes = [ctypes.c_void_p]
        library = LvmLibrary(lib)
        return library if library.handle else None
    return None
