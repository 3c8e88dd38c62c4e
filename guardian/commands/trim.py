"""`pool-guardian trim`: fstrim Docker's mounted thin volumes now (guardian/commands/oneshot.py runs it)."""
from guardian.commands import add_oneshot_arguments

HELP = "fstrim Docker's mounted thin volumes now"


def add_arguments(p):
    add_oneshot_arguments(p)


def run(args):
    from guardian.act.trim import fstrim
    from guardian.commands.oneshot import run_oneshot
    return run_oneshot(args, lambda settings: [("fstrim", fstrim)])
