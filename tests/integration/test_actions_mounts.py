"""A leaked mount in another mount namespace makes `docker rm` fail; the guardian names the holder,
releases the mount inside that namespace (never killing it) and the removal succeeds.

Docker 20.10 defers removal and deletion when it can; CentOS 7's docker 1.13 did not, and that is
where a held device makes `docker rm` fail: so dockerd runs here with both off. On kernels since
3.18 moby's removal of the mount point also detaches copies AT THE SAME PATH in other namespaces,
so the holder bind-mounts the container's filesystem elsewhere too, as an agent that inspects
container filesystems does; on CentOS 7's 3.10 kernel a plain copy is enough.
"""
import os
import subprocess
import time

import pytest

from guardian.act.base import DONE, DRY_RUN, FAILED
from guardian.act.mounts import release_mounts
from guardian.act.prune import prune_containers
from tests.integration.actions_helpers import context, held, mount_point_of, names
from tests.integration.bedlib.docker import IMAGE

CONFIG = "ladder:\n  prune_containers:\n    grace: 0s\n  release_mounts:\n    enabled: true\n"
SYNC_REMOVAL = ("dm.use_deferred_removal=false", "dm.use_deferred_deletion=false")


@pytest.fixture
def leaked(make_docker_loop_lvm):
    """(dockerd, holder): a stopped container whose filesystem an `unshare`d sleep still holds."""
    dockerd = make_docker_loop_lvm(extra_opts=SYNC_REMOVAL)
    dockerd.docker("run", "-d", "--name", "leaky", IMAGE, "sleep", "1000")
    script = "mkdir -p /tmp/leak && mount --bind {} /tmp/leak && exec sleep 1000".format(
        mount_point_of(dockerd, "leaky"))
    holder = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", script])
    time.sleep(2)
    dockerd.docker("stop", "-t", "1", "leaky")
    failed = dockerd.docker("rm", "leaky", check=False)
    assert failed.returncode != 0 and "leaky" in names(dockerd), "docker rm did not fail"
    print("docker rm:", failed.stderr)
    yield dockerd, holder
    holder.kill()
    holder.wait()


def test_leaked_mount_is_named_released_and_the_container_removed(leaked):
    dockerd, holder = leaked
    ctx, observer = context(CONFIG)

    pruned = prune_containers(observer.snapshot(), ctx)
    print(pruned)
    assert pruned.outcome == FAILED
    assert "busy" in pruned.summary.lower(), pruned.summary
    assert "pid {} sleep 1000".format(holder.pid) in pruned.summary, pruned.summary

    released = release_mounts(observer.snapshot(), ctx)
    print(released)
    assert released.outcome == DONE, released.summary
    assert "leaky: removed after releasing 1 namespace(s)" in released.summary
    assert "deferred-deleted devices: 0" in released.summary
    assert "leaky" not in names(dockerd)
    assert holder.poll() is None, "the holder must never be killed"
    assert held(holder.pid) == []


def test_release_mounts_dry_run_changes_nothing(leaked):
    dockerd, holder = leaked
    ctx, observer = context(CONFIG, dry_run=True)
    before = held(holder.pid)
    result = release_mounts(observer.snapshot(), ctx)
    print(result)
    assert result.outcome == DRY_RUN, result.summary
    assert "leaky: would be removed after releasing 1 namespace(s)" in result.summary
    assert "leaky" in names(dockerd)
    assert held(holder.pid) == before != []
    assert os.path.exists("/proc/{}".format(holder.pid))
