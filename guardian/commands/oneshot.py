"""What `pool-guardian prune|trim|grow [--dry-run]` share: one action now, outside the ladder.

The daemon's own actions, run as the daemon runs each (act/base.run_rung: guarded, so a bug is
action.crashed and a failed line) and reported as the daemon reports it. The command holds the
pool's action lock from its first look to its last rung, so the daemon never acts in between;
when the daemon holds it, the command stops with one line naming its pid. Each command first recovers what a
command or daemon killed mid-grow left: without a running daemon nobody else would resume the pool.
"""
import signal
import threading
import time

from guardian.act.base import NOTHING_TO_DO, REFUSED, ActionContext, run_rung
from guardian.act.recover import recover
from guardian.app import build_app
from guardian.decide.levels import assess
from guardian.errors import EXIT_FAILURE, EXIT_OK, NoPoolError
from guardian.host.lock import action_lock
from guardian.observe.observer import Observer
from guardian.report.reporter import Reporter


def run_oneshot(args, chosen_actions):
    """chosen_actions(settings): the command's actions, in ladder order, as (rung name, action)."""
    # What an operator's command changed goes to the journal too: an audit trail of removals.
    app = build_app(args.config, dry_run=args.dry_run, log_target="console" if args.dry_run else "console+journal")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    observer = Observer(app.host, app.settings)
    reporter = Reporter(app.log, app.settings, time.monotonic)

    def context(progressed):
        return ActionContext(app.host, app.log, app.settings, observer.snapshot, progressed, stop.is_set)
    with action_lock():
        snapshot = observer.snapshot(refresh_docker=True)
        if snapshot.pool is None:
            raise NoPoolError("no pool to act on: {}".format("; ".join(snapshot.problems) or "none found"))
        ok = True
        for name, action in [("recover", recover)] + chosen_actions(app.settings):
            result, after = run_rung(name, action, snapshot, context, observer.snapshot, locked=True)
            if name == "recover" and result.outcome == NOTHING_TO_DO:
                continue
            reporter.action(result, snapshot.pool, after.pool, app.settings.watermarks)
            print(result_line(result, snapshot.pool, after.pool, app.settings.watermarks))
            # a grow left unfinished (recover refused) is told, not failed
            ok = ok and (result.succeeded or (name == "recover" and result.outcome == REFUSED))
            snapshot = after
    return EXIT_OK if ok else EXIT_FAILURE


def result_line(result, before, after, marks):
    return "{}: {}: {} [{} -> {}]".format(result.rung, result.outcome, result.summary,
                                          usage(before, marks), usage(after, marks))


def usage(pool, marks):
    if pool is None:
        return "no pool"
    return assess(pool, marks).usage
