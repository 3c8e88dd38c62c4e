"""`pool-guardian status`: the live snapshot of the pool, and its verdict."""
from guardian.errors import EXIT_FAILURE, EXIT_OK

HELP = "the live snapshot of the pool"


def add_arguments(p):
    p.add_argument("--json", action="store_true", help="complete snapshot as JSON")
    p.add_argument("--no-docker", action="store_true", help="kernel view only; do not ask Docker")


def run(args):
    from guardian.app import build_app
    from guardian.decide.thresholds import from_marks
    from guardian.decide.verdict import judge
    from guardian.observe.observer import observe
    from guardian.report.state import published_forecast
    app = build_app(args.config, log_target="console")
    snapshot = observe(app.host, app.settings, with_docker=not args.no_docker)
    forecast, note = published_forecast(snapshot, app.settings)
    verdict = judge(snapshot, from_marks(app.settings.watermarks), forecast)
    print_snapshot(snapshot, app.settings, args.json, forecast, note, verdict)
    return EXIT_OK if snapshot.pool is not None else EXIT_FAILURE


def print_snapshot(snapshot, settings, as_json, forecast=None, note=None, verdict=None):
    """The snapshot as status prints it (diagnose prints another host's the same way)."""
    from guardian.report.render import render_status, snapshot_json
    render = snapshot_json if as_json else render_status
    print(render(snapshot, settings.watermarks, forecast, note, verdict))
