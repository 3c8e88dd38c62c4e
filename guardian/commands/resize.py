"""`pool-guardian resize CONTAINER SIZE`: grow a stopped container's filesystem, dockerd stopped
(guardian/tools/resize.py)."""
import argparse

from guardian.commands import add_docker_root, tool_app
from guardian.errors import ParseError
from guardian.units import parse_size_option

HELP = "grow a stopped container's filesystem (dockerd stopped)"


def add_arguments(p):
    p.add_argument("container", metavar="CONTAINER", help="name or id")
    p.add_argument("size", metavar="SIZE", type=_size_arg, help="new size, e.g. 20G (never smaller than now)")
    add_docker_root(p)


def run(args):
    from guardian.tools.resize import resize
    app, root = tool_app(args)
    return resize(app, args.container, args.size, root)


def _size_arg(text):
    """Bytes, checked with the rest of the command line: a bad SIZE is a usage error naming it."""
    try:
        return parse_size_option(text)
    except ParseError as exc:
        raise argparse.ArgumentTypeError(str(exc))
