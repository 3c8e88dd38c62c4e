"""`pool-guardian check-config [FILE] [--print]`: OK, or that no file exists and the defaults are in
force; --print: the settings in force. The unit's ExecReload runs it."""
import sys

from guardian.config import DEFAULT_PATH
from guardian.errors import EXIT_OK, GuardianError

HELP = "validate a config file"


def add_arguments(p):
    p.add_argument("file", nargs="?", metavar="FILE", help="the file to validate (default: --config's)")
    p.add_argument("--print", action="store_true",
                   help="print the settings in force, every default filled in, as a config file")


def run(args):
    from guardian.config.example import render_effective
    from guardian.config.load import load_config_or_defaults
    from guardian.report.log import configure_logging, stderr_is_journal
    path = args.file or args.config or DEFAULT_PATH
    try:
        settings, found = load_config_or_defaults(path)
        _against_docker(settings, path)
    except GuardianError as exc:
        if not stderr_is_journal():
            raise
        # The unit's ExecReload: a refused file is a config.invalid entry, as the daemon's own.
        configure_logging(target="journal").error("config.invalid", message=str(exc), config=path)
        return exc.exit_code
    if args.print:
        sys.stdout.write(render_effective(settings, path, found))
    elif found:
        print("config {}: OK".format(path))
    else:
        print("config {}: none exists; the built-in defaults are in force".format(path))
    return EXIT_OK


def _against_docker(settings, path):
    """Refuse a data high mark at or above Docker's floor, when Docker's options on this host (its
    command line in /proc, daemon.json, /etc/sysconfig/docker-storage: files only, never Docker
    itself, which may hang) show it."""
    from guardian.errors import ConfigError
    from guardian.tools.doctor import config_floor_problem, read_options_or_unread
    problem = config_floor_problem(settings, read_options_or_unread())
    if problem:
        raise ConfigError("config {}: {}".format(path, problem))
