"""release_mounts: unmount a dead container's leaked mounts in other namespaces, then remove it.

A `docker rm` that fails with "device or resource busy" leaves the container Dead: its thin device
is still mounted in some other mount namespace, and the pool cannot get its blocks back until
that copy goes. This rung unmounts those copies inside the holder's namespace (nsenter + umount
through the runner) and retries the removal. It never kills a process, and it leaves dockerd's
own namespace to Docker.
"""
import time

from guardian.act.base import NOTHING_TO_DO, ActionResult, outcome_of
from guardian.act.choose import choose_containers, keep_rules
from guardian.act.prune import door_for, inspect_containers, remove_container
from guardian.errors import CommandError, GuardianError
from guardian.host.docker_api import DockerCallError
from guardian.observe import holders as holders_mod
from guardian.observe.docker_info import parse_docker_info_api
from guardian.observe.docker_files import parse_graphdriver


def holds_of(candidate):
    """Every namespace holding one container's mounts (its thin device, mnt/<hash>, shm)."""
    device = parse_graphdriver(candidate.inspect).device_name
    wanted = holders_mod.container_mount_matcher(
        candidate.id, device, device and holders_mod.device_number(device))
    return holders_mod.find_holds(wanted)


def describe_hold(hold, names=None):
    """'mnt:[4026532198] (pid 812 unshare ..., pid 813 sleep 1000) holds /var/lib/docker/...'."""
    names = names or {}
    who = ", ".join("pid {} {}{}".format(h.pid, h.command, " in container {}".format(
        names.get(h.container, h.container[:12])) if h.container else "") for h in hold.holders[:3])
    if len(hold.holders) > 3:
        who += " and {} more".format(len(hold.holders) - 3)
    owner = "dockerd's own namespace" if hold.docker_daemon else hold.namespace
    return "{} ({}) holds {}".format(owner, who, ", ".join(m.mount_point for m in hold.mounts))


def describe_holders(candidates, ctx):
    """One line naming who holds each busy container's mounts; reading only."""
    parts = []
    for candidate in candidates:
        holds = holds_of(candidate)
        parts.append("{} busy: {}".format(candidate.name, "; ".join(describe_hold(h) for h in holds)
                                          or "no holder found in any mount namespace"))
    enabled = ctx.settings.ladder.release_mounts.enabled
    return " | ".join(parts) + ("" if enabled else " (release_mounts is disabled)")


def unmount(runner, hold):
    """Unmount the held mounts inside the holder's namespace, deepest first."""
    for mount in sorted(hold.mounts, key=lambda m: -len(m.mount_point)):
        runner.run(["nsenter", "--mount=/proc/{}/ns/mnt".format(hold.enter_pid), "umount",
                    mount.mount_point], changes=True)


def release_one(candidate, door, rules, ctx):
    """Release one dead container's mounts and remove it; returns (released, outcome line)."""
    holds = [h for h in holds_of(candidate) if not h.docker_daemon]
    for hold in holds:
        ctx.log.info("mounts.held", message=describe_hold(hold), container=candidate.name,
                     holder_pids=",".join(str(h.pid) for h in hold.holders))
        unmount(ctx.runner, hold)
    result = remove_container(door, candidate, rules, ctx.settings.ladder.prune_containers.remove_volumes)
    return len(holds), "{}: {}{}".format(candidate.name, "would be removed" if ctx.dry_run else result,
                                         " after releasing {} namespace(s)".format(len(holds)) if holds else "")


def release_mounts(snapshot, ctx):
    rules = keep_rules(ctx.settings.ladder.prune_containers)
    door = door_for(ctx, ctx.settings.ladder.prune_containers)
    try:
        candidates, _ = choose_containers(inspect_containers(door), rules, time.time())
        dead = [c for c in candidates if c.state == "dead"]
        if not dead:
            return ActionResult("release_mounts", NOTHING_TO_DO, "no dead container to release")
        lines, failures, released = release_all(dead, door, rules, ctx)
        deferred = deferred_deleted(door)
    finally:
        door.close()
    summary = "; ".join(lines + failures) + "; Docker's deferred-deleted devices: {}".format(
        "unknown" if deferred is None else deferred)
    return ActionResult("release_mounts", outcome_of(lines, failures, ctx.dry_run), summary, {
        "dead": len(dead), "namespaces_released": released, "failed": len(failures),
        "deferred_deleted": deferred})


def release_all(dead, door, rules, ctx):
    lines, failures, released = [], [], 0
    for candidate in dead:
        if ctx.should_stop():
            failures.append("stopped early (the daemon is stopping)")
            break
        ctx.heartbeat()
        try:
            count, line = release_one(candidate, door, rules, ctx)
            released += count
            lines.append(line)
        except (CommandError, DockerCallError) as exc:
            failures.append("{}: {}".format(candidate.name, exc))
    return lines, failures, released


def deferred_deleted(door):
    """Docker's 'Deferred Deleted Device Count': devices it could not delete yet and will retry."""
    try:
        return parse_docker_info_api(door.read("info")).deferred_deleted_count
    except GuardianError:
        return None
