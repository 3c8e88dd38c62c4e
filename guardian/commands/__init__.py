"""One module per command: its arguments (`add_arguments(parser)`) and its `run(args)`, which
returns the exit code; guardian/cli.py is the table of them. A module imports at its top only what
its parser needs, and the rest inside run, so that `check`, run by NRPE every minute, loads its own.
"""


def add_oneshot_arguments(p, *switches):
    """prune's, trim's and grow's: --dry-run, then the command's own switches, each (option, help)."""
    p.add_argument("--dry-run", action="store_true", help="say what would be done; change nothing")
    for option, help_text in switches:
        p.add_argument(option, action="store_true", help=help_text)


def add_docker_root(p):
    """The operator tools' (rescue, resize, busy, top) way to a Docker root other than the host's."""
    p.add_argument("--docker-root", metavar="DIR", help="Docker's root directory "
                   "(default: data-root in /etc/docker/daemon.json, else /var/lib/docker)")


def tool_app(args):
    """(app, Docker's root) for an operator tool."""
    from guardian.app import build_app
    from guardian.tools.docker_state import docker_root
    return build_app(args.config, log_target="console"), docker_root(args.docker_root)
