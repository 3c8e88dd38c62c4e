"""Command line: `pool-guardian COMMAND`. The table of commands, each a module in guardian/commands/
with its arguments and its run, and what they share: --config before or after the command, one
line and exit 2 for a wrong command line, one line and the error's exit code for a failure.

`--help`, the man page, the bash completion and the README's command list are rendered from the
parser this table builds (packaging/clidocs.py, make docs).
"""
import argparse
import sys
from collections import OrderedDict

from guardian import __version__
from guardian.commands import (busy, check, check_config, diagnose, doctor, grow, plan, prune, rescue, resize,
                               run, status, top, trim)
from guardian.config import DEFAULT_PATH
from guardian.errors import EXIT_INTERRUPTED, EXIT_USAGE, GuardianError

# name -> module, in the order --help, the man page and the README list them.
COMMANDS = OrderedDict([
    ("status", status),
    ("diagnose", diagnose),
    ("check", check),
    ("doctor", doctor),
    ("run", run),
    ("plan", plan),
    ("prune", prune),
    ("trim", trim),
    ("grow", grow),
    ("rescue", rescue),
    ("resize", resize),
    ("busy", busy),
    ("top", top),
    ("check-config", check_config),
])

CONFIG_HELP = "config file (default {}); before or after COMMAND, and after it wins when both are given".format(
    DEFAULT_PATH)


class CommandLineParser(argparse.ArgumentParser):
    """A wrong command line is one line naming what is wrong, exit 2, like every other error here
    (argparse would print the whole usage first). check and diagnose have their own (exit 3)."""

    def error(self, message):
        program, _, command = self.prog.partition(" ")
        self.exit(EXIT_USAGE, "{}: {}{}\n".format(program, command + ": " if command else "", message))


def _command_parser(parser_class=CommandLineParser, **kwargs):
    """A command's parser: its module's Parser when it has one."""
    return parser_class(**kwargs)


def build_parser():
    parser = CommandLineParser(
        prog="pool-guardian",
        description="Keeps Docker's devicemapper thin pool from filling up.")
    parser.add_argument("--version", action="version", version="%(prog)s " + __version__)
    parser.add_argument("--config", metavar="FILE", help=CONFIG_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_command_parser)
    sub.required = True
    for name, command in COMMANDS.items():
        p = sub.add_parser(name, help=command.HELP, description=getattr(command, "DESCRIPTION", None),
                           parser_class=getattr(command, "Parser", CommandLineParser))
        command.add_arguments(p)
        # NRPE lines and habit put it after the command too
        p.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help=CONFIG_HELP)
        p.set_defaults(func=command.run)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except GuardianError as exc:
        sys.stderr.write("pool-guardian: {}\n".format(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
