"""prune_containers and prune_images against real Docker 20.10 on a devicemapper loop-lvm pool."""
import os
import time

from guardian.act.base import DONE, DRY_RUN
from guardian.act.prune import plan_prune_containers, prune_containers, prune_images
from guardian.host.lock import action_lock
from tests.integration.actions_helpers import context, names, pool_line
from tests.integration.bedlib.docker import IMAGE

GRACE = 20


def config(grace=GRACE):
    return ("ladder:\n  prune_containers:\n    grace: {}s\n    keep_names: ['db-*']\n"
            "    keep_labels: ['pool-guardian.keep=true', 'team=ops*']\n".format(grace))


def make_containers(dockerd):
    run = dockerd.docker
    run("run", "--name", "old-exited", IMAGE, "true")
    run("create", "--name", "old-created", IMAGE, "true")
    run("run", "--name", "db-1", IMAGE, "true")
    run("run", "--name", "labelled", "--label", "pool-guardian.keep=true", IMAGE, "true")
    run("run", "--name", "glob-labelled", "--label", "team=ops-east", IMAGE, "true")
    run("run", "-d", "--name", "running", IMAGE, "sleep", "1000")
    run("run", "-d", "--name", "paused", IMAGE, "sleep", "1000")
    run("pause", "paused")
    time.sleep(GRACE + 2)
    run("run", "--name", "young", IMAGE, "true")


def test_prune_keeps_running_labelled_and_young_containers(docker_loop_lvm):
    make_containers(docker_loop_lvm)
    ctx, observer = context(config())
    result = prune_containers(observer.snapshot(), ctx)
    print(result)
    assert result.outcome == DONE, result.summary
    assert names(docker_loop_lvm) == {"db-1", "labelled", "glob-labelled", "running", "paused", "young"}
    assert result.summary == "removed 2 of 2 container(s): old-exited, old-created"
    docker_loop_lvm.docker("unpause", "paused")


def test_prune_dry_run_changes_nothing_but_says_what_it_would_do(docker_loop_lvm):
    docker_loop_lvm.docker("run", "--name", "stopped", IMAGE, "true")
    docker_loop_lvm.docker("create", "--name", "never-started", IMAGE, "true")
    ctx, observer = context(config(grace=0), dry_run=True)
    pool = observer.snapshot().pool.name
    before = names(docker_loop_lvm), pool_line(pool)
    plan = plan_prune_containers(observer.snapshot(), ctx)
    assert [(c.name, c.why.split(" ")[0]) for c in plan.chosen] == [("stopped", "exited"), ("never-started", "created")]
    result = prune_containers(observer.snapshot(), ctx)
    print(result)
    assert result.outcome == DRY_RUN
    assert result.summary == "would remove 2 container(s): stopped, never-started"
    assert (names(docker_loop_lvm), pool_line(pool)) == before


def test_prune_images_removes_dangling_ones_and_keeps_used_ones(docker_loop_lvm):
    run = docker_loop_lvm.docker
    run("run", "--name", "base", IMAGE, "true")
    run("commit", "base", "scratch-image:1")
    run("run", "--name", "changed", IMAGE, "touch", "/x")
    run("commit", "changed", "scratch-image:1")       # the first scratch-image:1 is now dangling
    assert run("images", "-q", "--filter", "dangling=true").stdout.split()
    ctx, observer = context()
    result = prune_images(observer.snapshot(), ctx)
    print(result)
    assert result.outcome == DONE, result.summary
    assert run("images", "-q", "--filter", "dangling=true").stdout.split() == []
    assert run("images", "-q", "scratch-image:1").stdout.strip()
    assert run("images", "-q", IMAGE).stdout.strip()


def test_oneshot_prune_dry_run_says_what_it_would_do_with_the_pool_numbers(docker_loop_lvm, guardian):
    docker_loop_lvm.docker("run", "--name", "oneshot", IMAGE, "true")
    guardian.write_config(config(grace=0))
    proc = guardian.cli("prune", "--dry-run")
    print(proc.stdout)
    assert proc.stdout.startswith("prune_containers: dry-run: would remove 1 container(s): oneshot [data ")
    assert " rung.planned remove: oneshot (exited " in proc.stderr, proc.stderr
    assert "oneshot" in names(docker_loop_lvm)


def test_oneshot_refuses_while_another_guardian_acts(docker_loop_lvm, guardian):
    guardian.write_config(config(grace=0))
    with action_lock():
        proc = guardian.cli("prune", check=False)
    assert proc.returncode == 1
    assert "another pool-guardian is acting on the pool (/run/pool-guardian/act.lock held by pid {})".format(
        os.getpid()) in proc.stderr


def test_prune_images_keeps_the_image_a_pruned_container_was_just_created_from(docker_loop_lvm):
    """Least recently used first: an image whose container is already gone was still used a
    moment ago (Docker's create events remember it), and the next container will want it."""
    run = docker_loop_lvm.docker
    run("run", "--name", "base", IMAGE, "true")              # keeps the base image in use
    run("commit", "base", "old-app:1")
    run("commit", "-c", "LABEL v=2", "base", "recent-app:1")
    time.sleep(65)                                           # both older than unused_for
    run("run", "--rm", "recent-app:1", "true")               # used now; its container gone at once
    ctx, observer = context("ladder:\n  prune_images:\n    enabled: true\n    unused_for: 1m\n")
    result = prune_images(observer.snapshot(), ctx)
    print(result)
    assert result.outcome == DONE and result.summary.startswith("removed 1 of 1 image(s): old-app:1; kept "), \
        result.summary
    assert "recent-app:1 (last used 0 min ago, within unused_for)" in result.summary
    assert run("images", "-q", "recent-app:1").stdout.strip()
