"""`pool-guardian top [-n N] [--json]`: pool usage per container and image layer, from thin_ls
(guardian/tools/top.py)."""
import argparse

from guardian.commands import add_docker_root, tool_app

HELP = "pool usage per container and image layer (thin_ls; reads all metadata)"


def add_arguments(p):
    p.add_argument("-n", type=_count_arg, default=20, metavar="N", help="show the N biggest (0: all; default 20)")
    p.add_argument("--json", action="store_true", help="the table as JSON")
    add_docker_root(p)


def run(args):
    from guardian.tools.top import top
    app, root = tool_app(args)
    return top(app, args.n, args.json, root)


def _count_arg(text):
    if not text.isdigit():
        raise argparse.ArgumentTypeError("expected a whole number >= 0, got {!r}".format(text))
    return int(text)
