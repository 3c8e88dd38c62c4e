"""release_mounts: unmount a dead container's leaked mounts in other namespaces, then remove it.

A `docker rm` that fails with "device or resource busy" leaves the container Dead: its thin device
is still mounted in some other mount namespace, and the pool cannot get its blocks back until
that copy goes. This rung unmounts those copies inside the holder's namespace (nsenter + umount
through the host) and retries the removal. It never kills a process, and it leaves dockerd's
own namespace to Docker.
"""
import time

from guardian.act.base import FAILED, NOTHING_TO_DO, ActionResult, Chosen, RungPlan, outcome_of, told, try_each
from guardian.act.prune import docker_for, holds_of, inspect_containers, remove_container
from guardian.decide.candidates import choose_containers, keep_rules
from guardian.errors import CommandError, GuardianError
from guardian.host.docker_api import DockerCallError
from guardian.observe.docker_info import parse_docker_info_api
from guardian.observe.holders import describe_hold


def unmount(host, hold):
    """Unmount the held mounts inside the holder's namespace, deepest first so that no mount is
    under one already gone (release_mounts, busy --release and rescue umount all come here)."""
    for mount in sorted(hold.mounts, key=lambda m: -len(m.mount_point)):
        host.run(["nsenter", "--mount=/proc/{}/ns/mnt".format(hold.enter_pid), "umount",
                    mount.mount_point], changes=True)


def plan_release_mounts(snapshot, ctx):
    """Which Dead containers are released and removed, each with who holds its mounts outside
    dockerd's namespace, and which Dead ones stay, with why. Only reads Docker and /proc;
    DockerCallError when Docker cannot be asked. The others are prune_containers' to plan."""
    with docker_for(ctx, ctx.settings.ladder.prune_containers) as docker:
        inspects = inspect_containers(docker)
    dead = [i for i in inspects if i["State"]["Status"] == "dead"]
    candidates, kept = choose_containers(dead, keep_rules(ctx.settings.ladder.prune_containers), time.time())
    chosen = []
    for candidate in candidates:
        holds = tuple(h for h in holds_of(candidate) if not h.docker_daemon)
        why = "; ".join(describe_hold(h) for h in holds) or "dead, held in no other namespace"
        chosen.append(Chosen(candidate.name, why, (candidate, holds)))
    return RungPlan("release_mounts", "release and remove", tuple(chosen), tuple(kept))


def release_one(candidate, holds, docker, rules, ctx):
    """Release one dead container's mounts and remove it; returns (released, outcome line)."""
    for hold in holds:
        ctx.log.info("mounts.held", message=describe_hold(hold), container=candidate.name,
                     holder_pids=",".join(str(h.pid) for h in hold.holders))
        unmount(ctx.host, hold)
    result = remove_container(docker, candidate, rules, ctx.settings.ladder.prune_containers.remove_volumes)
    return len(holds), "{}: {}{}".format(candidate.name, "would be removed" if ctx.dry_run else result,
                                         " after releasing {} namespace(s)".format(len(holds)) if holds else "")


def release_mounts(snapshot, ctx):
    try:
        plan = told(ctx, plan_release_mounts(snapshot, ctx))
    except DockerCallError as exc:      # Docker down or restarting: a failure, as prune's, not a crash
        return ActionResult("release_mounts", FAILED, "could not list the containers: {}".format(exc))
    if not plan.chosen:
        return ActionResult("release_mounts", NOTHING_TO_DO, "no dead container to release")
    rules = keep_rules(ctx.settings.ladder.prune_containers)
    with docker_for(ctx, ctx.settings.ladder.prune_containers) as docker:
        lines, failures, released = release_all(plan.items, docker, rules, ctx)
        deferred = deferred_deleted(docker)
    summary = "; ".join(lines + failures) + "; Docker's deferred-deleted devices: {}".format(
        "unknown" if deferred is None else deferred)
    return ActionResult("release_mounts", outcome_of(lines, failures, ctx.dry_run), summary, {
        "dead": len(plan.chosen), "namespaces_released": released, "failed": len(failures),
        "deferred_deleted": deferred})


def release_all(dead, docker, rules, ctx):
    """dead: (candidate, the holds to release) in the plan's order."""
    tried = try_each(ctx, dead, lambda item: release_one(*item, docker, rules, ctx), (CommandError, DockerCallError))
    failures = ["{}: {}".format(c.name, exc) for (c, _), exc in tried.failed]
    if tried.stopped_early:
        failures.append("stopped early ({})".format(tried.stopped_early))
    return [line for _, (_, line) in tried.done], failures, sum(count for _, (count, _) in tried.done)


def deferred_deleted(docker):
    """Docker's 'Deferred Deleted Device Count': devices it could not delete yet and will retry."""
    try:
        return parse_docker_info_api(docker.read("info")).deferred_deleted_count
    except GuardianError:
        return None
