"""What each command's exit code means: the one table `man 8 pool-guardian` (EXIT STATUS) and
docs/exit-codes.md are rendered from, held to the parser by tests/unit/test_exit_codes.py.

Scripts, NRPE and cron jobs read only the number, so no trouble exits 0: no pool, a path that is not
there and a wrong command line each have a code of their own.
"""
from collections import OrderedDict

from guardian.errors import EXIT_CONFIG, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from guardian.report.nagios import CRITICAL, OK, UNKNOWN, WARNING

FAILED = "it failed; one line on standard error says what"
CHANGED = ("every step succeeded; with --dry-run, nothing was changed",
           "there is no pool to act on, or a step failed or was refused; each step's line says which")
INTERRUPTED = (EXIT_INTERRUPTED, "interrupted (Ctrl-C)")
# Every command but check can also exit with these (check answers UNKNOWN, 3, for them instead).
USUAL = ((EXIT_USAGE, "wrong command line; one line on standard error names what is wrong"),
         (EXIT_CONFIG, "the configuration file is missing, unreadable or invalid (EX_CONFIG); "
                       "systemd does not restart `run` on it"),
         INTERRUPTED)


def _usual(success, failure=FAILED):
    return tuple(row for row in ((EXIT_OK, success), (EXIT_FAILURE, failure)) if row[1]) + USUAL


def _plugin(ok, warning, critical, unknown):
    return (OK, "OK: " + ok), (WARNING, "WARNING: " + warning), (CRITICAL, "CRITICAL: " + critical), \
        (UNKNOWN, "UNKNOWN: " + unknown)


# command -> ((code, meaning), ...), in the order `pool-guardian --help` lists the commands.
EXIT_CODES = OrderedDict([
    ("status", _usual("a pool was found; its snapshot is printed",
                      "no pool was found (the snapshot is still printed, saying why), or " + FAILED)),
    ("diagnose", _plugin("the captured pool is below its warning marks",
                         "the captured pool is above a warning mark, or a source is missing",
                         "the captured pool is above a critical mark, below Docker's floor, failed or "
                         "read-only",
                         "no pool in the captures, a capture is unusable, or a wrong command line; a "
                         "broken local configuration does not stop it (the defaults are used)")
     + (INTERRUPTED,)),
    ("check", _plugin("below every warning threshold",
                      "data or metadata usage, or the time to full, is past a warning threshold",
                      "past a critical threshold, or the pool is failed, read-only or needs a check",
                      "no pool, a wrong command line, an invalid configuration, a timeout or any other "
                      "error; the plugin's line says which") + (INTERRUPTED,)),
    ("doctor", ((0, "OK: every check passed, or does not apply to this pool; with --reclaim: every orphan "
                    "deleted, none found, or listed only (no --yes)"),
                (1, "WARN: a setting makes a full pool worse than it needs to be; its line says what to change; "
                    "with --reclaim --yes: an orphan was kept (its line says why)"),
                (2, "FAIL: a setting turns a full pool into an outage (Docker refuses before the ladder "
                    "starts, the pool will not activate, autoextend cannot extend...)"),
                (3, "UNKNOWN: a check's input could not be read (its line says why), an invalid "
                    "configuration or a wrong command line; with --reclaim: the pool or Docker's metadata "
                    "could not be read, or another pool-guardian acts on the pool"),
                INTERRUPTED)),
    ("run", _usual("stopped by SIGTERM or SIGINT (systemctl stop)",
                   "it failed at start or while running; the journal says why")),
    ("plan", _usual("a pool was found; the plan is printed",
                    "no pool was found (the plan is still printed, saying why), or " + FAILED)),
    ("prune", _usual(*CHANGED)),
    ("trim", _usual(*CHANGED)),
    ("grow", _usual(*CHANGED)),
    ("rescue", _usual("mounted, or unmounted",
                      "refused (the container runs, is already rescue-mounted, is not found...) or failed; "
                      "what was done is undone")),
    ("resize", _usual("grown, or already that size",
                      "refused (dockerd runs, the container runs, the size would shrink it...) or failed; "
                      "Docker's metadata file keeps its old size")),
    ("busy", _usual("the holders are listed, or nothing holds it; with --release, nothing holds it any more",
                    "the container is not found, or the path is neither here nor mounted in any namespace; "
                    "with --release, refused for a running container, or still held after releasing")),
    ("top", _usual("the table is printed")),
    ("check-config", _usual("the file is valid", failure=None)),
])
