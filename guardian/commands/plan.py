"""`pool-guardian plan`: what the daemon would do now and why, with no side effect; with the running
daemon's memory (cooldowns, budgets, back-off) when there is one."""
import time

from guardian.errors import EXIT_FAILURE, EXIT_OK

HELP = "what the daemon would do now, and why, with the running daemon's cooldowns, budgets and back-off; " \
       "changes nothing"


def add_arguments(p):
    p.add_argument("--json", action="store_true", help="the plan as JSON")
    p.add_argument("--mode", choices=("observe", "dry-run", "enforce"), help="plan as if in this mode")


def run(args):
    from guardian.app import build_app
    from guardian.decide.ladder import plan
    from guardian.observe.observer import observe
    from guardian.report.state import published_rate, read_daemon_memory
    from guardian.report.render import plan_json, render_plan
    app = build_app(args.config, log_target="console", mode=args.mode)
    memory, memory_from = read_daemon_memory()
    snapshot = observe(app.host, app.settings)
    current = plan(snapshot, app.settings, memory, time.time(), published_rate(snapshot))
    rung_plans = rung_plans_of(current, snapshot, app)
    print(plan_json(current, memory_from, rung_plans) if args.json else render_plan(current, memory_from, rung_plans))
    return EXIT_OK if snapshot.pool is not None else EXIT_FAILURE


def rung_plans_of(current, snapshot, app):
    """What each prune, release_mounts and fstrim step would act on and leave, with why (their own
    plans, which read Docker and /proc and change nothing): {rung: one line}."""
    from guardian.act.base import ActionContext
    from guardian.act.mounts import plan_release_mounts
    from guardian.act.prune import plan_prune_containers, plan_prune_images
    from guardian.act.trim import plan_fstrim
    from guardian.errors import GuardianError
    from guardian.host.docker_api import DockerCallError
    planners = {"prune_containers": plan_prune_containers, "release_mounts": plan_release_mounts,
                "prune_images": plan_prune_images, "fstrim": plan_fstrim}
    ctx = ActionContext(app.host, app.log, app.settings, lambda: snapshot)
    found = {}
    for step in current.steps:
        if step.rung in planners:
            try:
                found[step.rung] = planners[step.rung](snapshot, ctx).describe()
            except (DockerCallError, GuardianError, OSError) as exc:
                found[step.rung] = "its plan could not be read: {}".format(exc)
    return found
