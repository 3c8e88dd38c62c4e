"""`pool-guardian grow`: grow the pool's data, or metadata, by one step now (guardian/commands/oneshot.py
runs it)."""
from guardian.commands import add_oneshot_arguments

HELP = "grow the pool's data (or --metadata) by one step now"


def add_arguments(p):
    add_oneshot_arguments(p, ("--data", "grow data (the default)"), ("--metadata", "grow metadata"))


def run(args):
    from guardian.act.grow import grow_parts
    from guardian.commands.oneshot import run_oneshot
    parts = [p for p in ("data", "metadata") if getattr(args, p)] or ["data"]
    return run_oneshot(args, lambda settings: [("grow", lambda snapshot, ctx: grow_parts(snapshot, ctx, parts))])
