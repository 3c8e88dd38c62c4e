"""The race against the fill through pool-guardian.service (issue 28), as a CentOS 7 host runs it:
prune_containers is stuck on two Dead containers whose mounts leaked (each `docker rm` retries the
busy device for tens of seconds, then fails) when a writer speeds up. The daemon's main thread looks
at the pool each second, sees Docker's floor coming before the prune is done, and grows the loop
files beside it; the pool never runs out and Docker never refuses.
"""
import pytest

from tests.integration.bedlib import out, sh
from tests.integration.bedlib.docker import IMAGE
from tests.integration.systemd import el7
from tests.integration.systemd.el7 import PoolWatch, docker, leak_a_dead_container, pool_usage, unit_journal, wait_for

CONTROL = "/tmp/race-control"       # the writer waits for CONTROL/go before it speeds up
CONFIG = """\
mode: enforce
watermarks:
  data: {{warning: {warning}%, high: {high}%, low: 2%, critical: 97%}}
schedule:
  poll_interval: 2s
ladder:
  order: [prune_containers, release_mounts, grow]
  prune_containers: {{grace: 1s}}
  release_mounts: {{enabled: true}}
  fstrim: {{enabled: false}}
  grow: {{enabled: true, min_step: 256M}}
"""
# A trickle that crosses the high mark with Docker's floor far away (prune_containers is chosen
# first), then, once the climb has begun, 8 MiB writes as fast as the pool takes them.
WRITER = ("while [ ! -e /ctl/go ]; do dd if=/dev/zero of=/slow.$(date +%s%N) bs=1M count=1 conv=fsync "
          "2>/dev/null; sleep 0.5; done; i=0; while [ $i -lt {chunks} ]; do dd if=/dev/zero of=/fast.$i bs=1M "
          "count=8 conv=fsync || exit 1; i=$((i+1)); done")


@pytest.fixture(scope="module")
def race():
    previous_python = el7.install()
    holders = []
    try:
        el7.start_docker()
        pool = el7.docker_pool()
        docker("run", "--name", "kept", "--label", "pool-guardian.keep=true", IMAGE, "dd", "if=/dev/zero",
               "of=/fill", "bs=1M", "count=400", "conv=fsync")
        for name in ("leak-1", "leak-2"):
            holders.append(leak_a_dead_container(name)[0])
        used, total = pool_usage(pool)
        high = int(100.0 * used / total) + 2
        with open(el7.CONFIG, "w") as f:
            f.write(CONFIG.format(warning=high - 1, high=high))
        sh("rm -rf {0} && mkdir -p {0}".format(CONTROL))
        # from the high mark to 97%, past Docker's 10% floor were nothing to grow the pool, and
        # under the writer's own 512M filesystem (dm.basesize)
        chunks = int((97 - high) / 100.0 * 1024 / 8)                # el7.LOOP_LVM: a 1 GiB data file
        sh("journalctl --rotate && journalctl --vacuum-time=1s", check=False)
        sh("systemctl start " + el7.UNIT, timeout=240)
        watch = PoolWatch(pool)
        watch.start()
        docker("run", "-d", "--name", "writer", "-v", CONTROL + ":/ctl", IMAGE, "sh", "-c",
               WRITER.format(chunks=chunks))
        decided = wait_for(lambda: [e for e in unit_journal("EVENT=decision.made")
                                    if e.get("CHOSEN", "").startswith("prune_containers")], 300,
                           "the climb to start with prune_containers", interval=1)
        sh("touch {}/go".format(CONTROL))
        exited = wait_for(lambda: docker("wait", "writer", timeout=900).stdout.strip(), 900, "the writer")
        watch.done.set()
        wait_for(lambda: unit_journal("RUNG=prune_containers", "EVENT=action.partly_done")
                 + unit_journal("RUNG=prune_containers", "EVENT=action.failed")
                 + unit_journal("RUNG=prune_containers", "EVENT=action.finished"), 300, "the prune's end", interval=3)
        yield {"pool": pool, "modes": watch.modes, "writer_exit": exited, "decided": decided[0]}
    except AssertionError:
        print(out("systemctl status -l --no-pager {0}; journalctl -u {0} --no-pager -n 80".format(el7.UNIT),
                  check=False))
        raise
    finally:
        for holder in holders:
            holder.kill()
            holder.wait()
        el7.uninstall(previous_python)
        el7.stop_docker()


def test_grow_runs_beside_a_prune_stuck_on_docker_when_the_floor_comes_first(race):
    beside = unit_journal("EVENT=rung.beside")
    assert [(e["RUNG"], e["BESIDE"]) for e in beside][:1] == [("grow", "prune_containers")], beside
    grown = unit_journal("RUNG=grow", "EVENT=action.finished")
    pruned = [e for e in unit_journal("RUNG=prune_containers") if e.get("EVENT", "").startswith("action.")]
    assert grown and pruned and int(grown[0]["__REALTIME_TIMESTAMP"]) < int(pruned[0]["__REALTIME_TIMESTAMP"])


def test_the_pool_never_ran_out_and_the_writer_never_failed(race):
    assert race["modes"] <= {"rw"}, race["modes"]
    assert race["writer_exit"] == "0"
    docker("run", "--rm", IMAGE, "true")       # Docker still takes new containers: above its floor


def test_the_kept_container_is_kept(race):
    assert docker("inspect", "-f", "{{.State.Status}}", "kept").stdout.strip() == "exited"
