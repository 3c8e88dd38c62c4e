"""`pool-guardian busy CONTAINER|PATH|DEVICE [--release]`: who holds its mounts, in every mount
namespace; --release unmounts there and never kills (guardian/tools/busy.py)."""
from guardian.commands import add_docker_root, tool_app

HELP = "who holds a container's, path's or device's mounts, in every namespace"


def add_arguments(p):
    p.add_argument("what", metavar="CONTAINER|PATH|DEVICE",
                   help="a container's name or id, a path (a mount point or under one) or a block device")
    p.add_argument("--release", action="store_true", help="unmount inside the holders' namespaces (never kills)")
    add_docker_root(p)


def run(args):
    from guardian.tools.busy import busy
    app, root = tool_app(args)
    return busy(app, args.what, args.release, root)
