"""fstrim in dockerd's mount namespace gives the pool back what a container wrote and deleted."""
from guardian.act.base import DONE, DRY_RUN
from guardian.act.trim import fstrim, plan_fstrim
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
