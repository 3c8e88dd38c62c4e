"""The brake, then the reclaiming, through pool-guardian.service (issue 28), as a CentOS 7 host runs
it: a writer speeds up with Docker's floor a few seconds away, so no reclaiming rung can give space
back in time and grow goes first. The grow takes the pool far under its low mark, and the climb
still prunes the exited containers "after the brake", so the next crossing finds them gone instead
of a larger pool to grow again.
"""
import pytest

from tests.integration.bedlib import out, sh
from tests.integration.bedlib.docker import IMAGE
from tests.integration.systemd import el7
from tests.integration.systemd.el7 import PoolWatch, docker, pool_usage, unit_journal, wait_for, write_in

CONTROL = "/tmp/brake-control"      # the writer waits for CONTROL/go
CONFIG = """\
mode: enforce
watermarks:
  data: {{warning: {warning}%, high: {high}%, low: 50%, critical: 97%}}
schedule:
  poll_interval: 1s
ladder:
  order: [prune_containers, grow]
  prune_containers: {{grace: 1s}}
  fstrim: {{enabled: false}}
  grow: {{enabled: true, min_step: 2G, absorb: 0s, max_data_size: 4G}}
"""
START = 78          # % used when the writer speeds up: 12% of 1 GiB above Docker's 10% floor
STOP = 92           # the writer's last write, were nothing to grow the pool: short of full
CHUNK = 8           # MiB a write
WRITER = ("while [ ! -e /ctl/go ]; do sleep 0.2; done; i=0; while [ $i -lt {chunks} ]; do "
          "dd if=/dev/zero of=/fast.$i bs=1M count={chunk} conv=fsync || exit 1; i=$((i+1)); done")
EXITED = ("old-1", "old-2", "old-3")


def first(entries, what):
    assert entries, "no journal entry for " + what
    return entries[0]


def at(entry):
    return int(entry["__REALTIME_TIMESTAMP"])


@pytest.fixture(scope="module")
def brake():
    previous_python = el7.install()
    try:
        el7.start_docker()
        pool = el7.docker_pool()
        docker("run", "--name", "kept", "--label", "pool-guardian.keep=true", IMAGE, "dd", "if=/dev/zero",
               "of=/fill", "bs=1M", "count=400", "conv=fsync")
        for name in EXITED:
            docker("run", "--name", name, IMAGE, "dd", "if=/dev/zero", "of=/fill", "bs=1M", "count=100", "conv=fsync")
        sh("rm -rf {0} && mkdir -p {0}".format(CONTROL))
        chunks = int((STOP - START) / 100.0 * 1024 / CHUNK)            # el7.LOOP_LVM: a 1 GiB data file
        docker("run", "-d", "--name", "writer", "--label", "pool-guardian.keep=true", "-v", CONTROL + ":/ctl",
               IMAGE, "sh", "-c", WRITER.format(chunks=chunks, chunk=CHUNK))
        used, total = pool_usage(pool)
        write_in("writer", "start", max(1, int((START / 100.0 - 1.0 * used / total) * 1024)))
        used, total = pool_usage(pool)
        high = int(100.0 * used / total) + 4
        with open(el7.CONFIG, "w") as f:
            f.write(CONFIG.format(warning=high - 1, high=high))
        sh("journalctl --rotate && journalctl --vacuum-time=1s", check=False)
        sh("systemctl start " + el7.UNIT, timeout=240)
        wait_for(lambda: unit_journal("EVENT=daemon.ready"), 240, "the daemon's start", interval=1)
        watch = PoolWatch(pool)
        watch.start()
        sh("touch {}/go".format(CONTROL))
        exited = wait_for(lambda: docker("wait", "writer", timeout=900).stdout.strip(), 900, "the writer")
        wait_for(lambda: unit_journal("RUNG=prune_containers", "EVENT=action.finished")
                 + unit_journal("RUNG=prune_containers", "EVENT=action.partly_done")
                 + unit_journal("RUNG=prune_containers", "EVENT=action.failed"), 300, "the prune", interval=3)
        watch.done.set()
        yield {"pool": pool, "modes": watch.modes, "writer_exit": exited, "total_after": pool_usage(pool)[1],
               "total_before": total}
    except AssertionError:
        print(out("systemctl status -l --no-pager {0}; journalctl -u {0} --no-pager -n 80".format(el7.UNIT),
                  check=False))
        raise
    finally:
        el7.uninstall(previous_python)
        el7.stop_docker()


def test_grow_goes_first_when_no_reclaiming_rung_beats_docker_s_floor(brake):
    decided = first([e for e in unit_journal("EVENT=decision.made") if e.get("STEPS")], "a climb")
    assert decided["CHOSEN"].startswith("grow the brake"), decided
    assert brake["total_after"] > brake["total_before"]


def test_after_the_brake_the_exited_containers_are_still_pruned(brake):
    grown = first(unit_journal("RUNG=grow", "EVENT=action.finished"), "the grow")
    going_on = first(unit_journal("EVENT=climb.after_brake"), "the climb going on after the brake")
    pruned = first(unit_journal("RUNG=prune_containers", "EVENT=action.finished"), "the prune")
    assert going_on["STEPS"] == "prune_containers", going_on
    assert at(grown) < at(going_on) < at(pruned)
    names = docker("ps", "-a", "--format", "{{.Names}}").stdout.split()
    assert not set(EXITED) & set(names), names


def test_the_pool_never_ran_out_and_the_writer_never_failed(brake):
    assert brake["modes"] <= {"rw"}, brake["modes"]
    assert brake["writer_exit"] == "0"


def test_the_kept_containers_are_kept(brake):
    names = docker("ps", "-a", "--format", "{{.Names}}").stdout.split()
    assert {"kept", "writer"} <= set(names), names
