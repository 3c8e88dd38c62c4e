"""fstrim in dockerd's mount namespace gives the pool back what a container wrote and deleted."""
from guardian.act.base import DONE, DRY_RUN
from guardian.act.trim import fstrim, plan_fstrim, trim_all
from tests.integration.actions_helpers import context, pool_line
from tests.integration.bedlib.docker import IMAGE

MIB = 1 << 20


def write_and_delete(dockerd, name, megabytes):
    dockerd.docker("run", "-d", "--name", name, IMAGE, "sleep", "1000")
    dockerd.docker("exec", name, "sh", "-c", "dd if=/dev/urandom of=/big bs=1M count={} 2>/dev/null; sync; "
                   "rm /big; sync".format(megabytes), timeout=600)


def test_trim_returns_what_a_container_wrote_and_deleted(make_docker_loop_lvm):
    dockerd = make_docker_loop_lvm(data_size="2G", meta_size="128M", base_size="1G")
    write_and_delete(dockerd, "writer", 300)
    ctx, observer = context()
    result = fstrim(observer.snapshot(), ctx)
    print(result)
    assert result.outcome == DONE, result.summary
    assert result.numbers["returned_bytes"] >= 0.9 * 300 * MIB, result.summary


def test_trim_dry_run_changes_nothing(docker_loop_lvm):
    write_and_delete(docker_loop_lvm, "writer", 50)
    ctx, observer = context(dry_run=True)
    snapshot = observer.snapshot()
    before = pool_line(snapshot.pool.name)
    plan = plan_fstrim(snapshot, ctx)
    assert len(plan.chosen) == 1 and plan.chosen[0].why.startswith("thin volume 253:"), plan
    assert plan.where == "dockerd's mount namespace"
    result = fstrim(snapshot, ctx)
    print(result)
    assert result.outcome == DRY_RUN
    assert result.summary.startswith("would trim 1 thin volume(s) with a minimum extent of 64 KiB")
    assert pool_line(snapshot.pool.name) == before


def test_a_container_removed_between_the_plan_and_its_trim_is_no_failed_trim(docker_loop_lvm):
    """A replay's fstrim came out partly_done: a container was removed while the rung ran, and
    `fstrim` of its vanished mount point failed. Its mount gone, nothing is left to trim there."""
    write_and_delete(docker_loop_lvm, "stays", 20)
    docker_loop_lvm.docker("run", "-d", "--name", "goes", IMAGE, "sleep", "1000")
    ctx, observer = context()
    snapshot = observer.snapshot()
    plan = plan_fstrim(snapshot, ctx)
    assert len(plan.chosen) == 2, plan
    docker_loop_lvm.docker("rm", "-f", "goes")
    result = trim_all(ctx, plan.items, snapshot.pool.data_block_bytes, 120.0)
    print(result)
    assert result.outcome == DONE, result.summary
    assert (result.numbers["trimmed"], result.numbers["failed"], result.numbers["unmounted"]) == (1, 0, 1)
    assert "1 unmounted before its turn (its container removed)" in result.summary
