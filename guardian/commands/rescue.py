"""`pool-guardian rescue mount|umount CONTAINER [DIR] [--rw]`: a stopped container's filesystem
mounted to clean it up, and unmounted again (guardian/tools/rescue.py)."""
from guardian.commands import add_docker_root, tool_app
from guardian.errors import UsageError

HELP = "mount a stopped container's filesystem (read-only unless --rw) to clean it up; umount undoes it"


def add_arguments(p):
    p.add_argument("action", choices=("mount", "umount"),
                   help="mount: activate and mount it; umount: unmount and deactivate what mount created")
    p.add_argument("container", metavar="CONTAINER", help="name or id")
    p.add_argument("dir", nargs="?", metavar="DIR", help="mount: where (default /run/pool-guardian/rescue/ID12)")
    p.add_argument("--rw", action="store_true", help="mount: read-write, to delete files")
    add_docker_root(p)


def run(args):
    from guardian.tools import rescue
    if args.action == "umount" and (args.dir or args.rw):
        raise UsageError("rescue umount takes only CONTAINER (DIR and --rw are for rescue mount)")
    app, root = tool_app(args)
    if args.action == "mount":
        return rescue.rescue_mount(app, args.container, args.dir, args.rw, root)
    return rescue.rescue_umount(app, args.container)
