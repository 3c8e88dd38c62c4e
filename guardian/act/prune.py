"""prune_containers and prune_images: remove what Docker no longer needs, oldest first.

Every removal goes through the host door (logged, skipped in dry-run); a removal that fails is
reported with Docker's own error, and a `device or resource busy` one names who holds the mount.
A Docker that does not answer within removal_timeout ends the rung: the rest waits for the next
run rather than each removal waiting out its own timeout on a hung dockerd.
"""
import time
from typing import NamedTuple, Tuple

from guardian.act.base import FAILED, NOTHING_TO_DO, ActionResult, Chosen, RungPlan, outcome_of, told, try_each
from guardian.decide.candidates import (choose_containers, choose_images, image_last_use, keep_rules,
                                        label_rule, why_kept)
from guardian.decide.levels import below_low
from guardian.host.devices import dm_device_number
from guardian.host.docker_api import DockerCallError, DockerApi, DockerTimeout
from guardian.observe import holders
from guardian.observe.docker_files import parse_graphdriver

MAX_NAMED = 5   # names listed in a one-line summary before "and N more"
NO_ANSWER = "Docker did not answer in time"


class Removals(NamedTuple):
    done: Tuple[str, ...] = ()
    failed: Tuple[str, ...] = ()      # "name: Docker's error"
    busy: Tuple[object, ...] = ()     # Candidates whose removal failed with EBUSY
    stopped_early: str = ""           # why the rest was not tried


def docker_for(ctx, section):
    return DockerApi(ctx.settings, ctx.host, timeout=section.removal_timeout)


def inspect_containers(docker, ids=None):
    """Inspect every container (or those ids); one that vanished meanwhile is simply absent."""
    ids = ids if ids is not None else [c["Id"] for c in docker.read("containers", all=True)]
    found = []
    for cid in ids:
        try:
            found.append(docker.read("inspect_container", cid))
        except DockerCallError as exc:
            if exc.status != 404:
                raise
    return found


def remove_container(docker, candidate, rules, volumes):
    """Remove one candidate after a fresh look: it may have been started since it was chosen."""
    fresh = inspect_containers(docker, [candidate.id])
    if not fresh:
        return "gone"
    reason = why_kept(fresh[0], rules, time.time())
    if reason:
        return "kept: " + reason
    docker.change("docker rm {}{} ({})".format("-v " if volumes else "", candidate.id[:12], candidate.name),
                "remove_container", candidate.id, v=volumes, force=False)
    return "removed"


def remove_containers(docker, candidates, rules, volumes, ctx):
    tried = try_each(ctx, candidates, lambda c: remove_container(docker, c, rules, volumes), DockerCallError,
                     last=no_answer)
    return Removals(tuple(c.name for c, outcome in tried.done if outcome == "removed"),
                    tuple("{}: {}".format(c.name, exc) for c, exc in tried.failed),
                    tuple(c for c, exc in tried.failed if exc.busy), tried.stopped_early)


def no_answer(error):
    """A Docker that did not answer one removal in time will not answer the next: the rest waits."""
    return NO_ANSWER if isinstance(error, DockerTimeout) else None


def plan_prune_containers(snapshot, ctx):
    """Which containers go, the longest stopped first, and which stay, each with why. Only reads
    Docker; DockerCallError when it cannot be asked."""
    with docker_for(ctx, ctx.settings.ladder.prune_containers) as docker:
        chosen, kept = choose_containers(inspect_containers(docker), keep_rules(ctx.settings.ladder.prune_containers),
                                         time.time())
    return RungPlan("prune_containers", "remove", tuple(Chosen(c.name, c.why, c) for c in chosen), tuple(kept))


def prune_containers(snapshot, ctx):
    section = ctx.settings.ladder.prune_containers
    try:
        plan = told(ctx, plan_prune_containers(snapshot, ctx))
    except DockerCallError as exc:
        return ActionResult("prune_containers", FAILED, "could not list the containers: {}".format(exc))
    if not plan.chosen:
        return ActionResult("prune_containers", NOTHING_TO_DO, "no container to remove ({} kept)".format(
            len(plan.kept)), {"kept": len(plan.kept)})
    with docker_for(ctx, section) as docker:
        removals = remove_containers(docker, plan.items, keep_rules(section), section.remove_volumes, ctx)
        summary = removal_summary("container", [c.name for c in plan.chosen], removals, ctx.dry_run)
        if removals.busy:
            summary += "; " + describe_holders(removals.busy, ctx)
    return ActionResult("prune_containers", outcome_of(removals.done, removals.failed, ctx.dry_run), summary, {
        "candidates": len(plan.chosen), "removed": len(removals.done), "failed": len(removals.failed),
        "busy": len(removals.busy), "kept": len(plan.kept)})


def holds_of(candidate):
    """Every namespace holding one container's mounts (its thin device, mnt/<hash>, shm)."""
    device = parse_graphdriver(candidate.inspect).device_name
    return holders.find_holds(holders.container_mount_matcher(
        candidate.id, device, device and dm_device_number(device)))


def describe_holders(candidates, ctx):
    """One line naming who holds each busy container's mounts; reading only."""
    parts = []
    for candidate in candidates:
        holds = holds_of(candidate)
        parts.append("{} busy: {}".format(candidate.name, "; ".join(holders.describe_hold(h) for h in holds)
                                          or "no holder found in any mount namespace"))
    enabled = ctx.settings.ladder.release_mounts.enabled
    return " | ".join(parts) + ("" if enabled else " (release_mounts is disabled)")


def removal_summary(what, names, removals, dry_run):
    if dry_run:
        return "would remove {} {}(s): {}".format(len(names), what, named(names))
    line = "removed {} of {} {}(s)".format(len(removals.done), len(names), what)
    if removals.done:
        line += ": " + named(removals.done)
    if removals.failed:
        line += "; {} failed: {}".format(len(removals.failed), named(removals.failed))
    if removals.stopped_early:
        line += "; the rest not tried: " + removals.stopped_early
    return line


def named(items):
    items = list(items)
    shown = ", ".join(items[:MAX_NAMED])
    return shown + (" and {} more".format(len(items) - MAX_NAMED) if len(items) > MAX_NAMED else "")


# How far back Docker's create events are asked for, when unused_for does not say (auto).
EVENTS_BACK = 86400.0


def plan_prune_images(snapshot, ctx):
    """Which images go, the least recently used first, and which stay, each with why. Only reads
    Docker; DockerCallError when it cannot be asked."""
    section = ctx.settings.ladder.prune_images
    now = time.time()
    with docker_for(ctx, section) as docker:
        containers, images = docker.read("containers", all=True), docker.read("images")
        created = docker.read_list("events", since=int(now - (section.unused_for or EVENTS_BACK)),
                                   until=int(now), filters={"type": "container", "event": "create"},
                                   decode=True)
    chosen, kept = choose_images(images, {c["ImageID"] for c in containers}, section.unused_for,
                                 section.keep_images, tuple(label_rule(t) for t in section.keep_labels),
                                 now, image_last_use(containers, created, images))
    return RungPlan("prune_images", "remove", tuple(Chosen(i.name, i.why, i) for i in chosen), tuple(kept))


def prune_images(snapshot, ctx):
    try:
        plan = told(ctx, plan_prune_images(snapshot, ctx))
    except DockerCallError as exc:
        return ActionResult("prune_images", FAILED, "could not list the images: {}".format(exc))
    kept = plan.kept
    told_kept = "kept {}: {}".format(len(kept), named("{} ({})".format(n, why) for n, why in kept))
    if not plan.chosen:
        return ActionResult("prune_images", NOTHING_TO_DO, "no dangling or unused old image; " + told_kept,
                            {"kept": len(kept)})
    with docker_for(ctx, ctx.settings.ladder.prune_images) as docker:
        removals = remove_images(docker, plan.items, ctx)
    summary = removal_summary("image", [c.name for c in plan.chosen], removals, ctx.dry_run)
    return ActionResult("prune_images", outcome_of(removals.done, removals.failed, ctx.dry_run),
                        summary + ("; " + told_kept if kept else ""),
                        {"candidates": len(plan.chosen), "removed": len(removals.done),
                         "failed": len(removals.failed), "kept": len(kept)})


def below_low_marks(pool, marks):
    if pool is None or pool.data_effective_used_percent is None:
        return False
    return below_low(pool.data_effective_used_percent, pool.status.metadata_used_percent, marks)


def remove_images(docker, chosen, ctx):
    """Untag each tag in turn (removing by id refuses an image with several tags); dangling by id.
    Least recently used first and, in the daemon's climb, no further than the pool needs: below its
    low marks the rest stays (an image removed now is an image pulled or imported again later;
    a climb started below them for Docker's floor has fstrim and grow for that). By hand, all go."""
    def enough():
        if ctx.climbing and not ctx.dry_run and below_low_marks(ctx.observe().pool, ctx.settings.watermarks):
            return "enough: the pool is below its low marks"
        return None

    def remove(image):
        for ref in image.tags or (image.id,):
            docker.change("docker rmi {}".format(ref), "remove_image", ref, force=False, noprune=False)
    tried = try_each(ctx, chosen, remove, DockerCallError, hold=enough, last=no_answer)
    return Removals(tuple(i.name for i, _ in tried.done),
                    tuple("{}: {}".format(i.name, exc) for i, exc in tried.failed), (), tried.stopped_early)
