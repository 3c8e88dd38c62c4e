"""Errors and exit codes.

Every failure an operator can meet is a GuardianError whose message is one line naming the thing
that is wrong; the CLI prints it and exits with the error's exit code.
"""

# Exit codes; what each means for each command is in guardian/exit_codes.py. 78 (EX_CONFIG) is
# listed in the unit's RestartPreventExitStatus= so that systemd does not restart-loop on a broken config.
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_CONFIG = 78
EXIT_INTERRUPTED = 130      # 128 + SIGINT, as a shell reports a command stopped by Ctrl-C


class GuardianError(Exception):
    """A failure with a one-line, operator-facing message."""

    exit_code = EXIT_FAILURE


class UsageError(GuardianError):
    """The command line is wrong in a way argparse cannot see (arguments that do not go together)."""

    exit_code = EXIT_USAGE


class ParseError(GuardianError):
    """Text that should be a known command output is not."""


class ConfigError(GuardianError):
    """The configuration file is unusable; the message names the key path and line."""

    exit_code = EXIT_CONFIG


class CommandError(GuardianError):
    """An external command could not be run, timed out, or failed."""


class SourceUnavailable(GuardianError):
    """A source of observations (Docker, dmsetup, a file) cannot be read right now."""


class NoPoolError(GuardianError):
    """No thin pool could be found, or the choice is ambiguous."""
