"""The engine's climb on a real pool: from the high mark down to the low mark in one evaluation,
and the kernel's low-water event armed again afterwards.

The rungs here are the test's own, each freeing one stretch of a real thin device with a real
discard, so that what each frees is known: this proves the engine, not an action (the actions have
their own tests, and the as-installed suite runs the real ladder through the service).
"""
import subprocess
import time

from guardian.act.base import DONE, ActionResult
from guardian.config import load_config_text
from guardian.daemon.engine import Engine
from guardian.host.door import HostDoor
from guardian.observe.observer import Observer
from guardian.report.log import configure_logging
from guardian.report.reporter import Reporter
from tests.integration.bedlib import sh

MiB = 1 << 20
RUNG_ORDER = ("prune_containers", "release_mounts", "fstrim")
POOL = """\
mode: enforce
pool:
  name: {pool}
  docker_host: unix:///run/no-docker-here.sock
  docker_timeout: 1s
watermarks:
  data: {{warning: 70%, high: 80%, low: 30%, critical: 95%}}
"""
CONFIG = POOL + """\
events:
  arm_low_water_mark: "yes"
ladder:
  order: [prune_containers, release_mounts, fstrim]
  release_mounts: {{enabled: true}}
"""


def discarding(rung, thin, start_mib, length_mib, ran):
    def action(snapshot, ctx):
        sh("blkdiscard -o {} -l {} {}".format(start_mib * MiB, length_mib * MiB, thin.path))
        ran.append(rung)
        return ActionResult(rung, DONE, "discarded {} MiB".format(length_mib))
    return action


def engine_for(pool, rungs):
    settings = load_config_text(CONFIG.format(pool=pool.name), "test config")
    log = configure_logging("info", "console")
    host = HostDoor(log, timeout=60)
    observer = Observer(host, settings, with_docker=False)
    return Engine(settings, host, log, observer, Reporter(log, settings, time.monotonic), rungs=rungs)


def write(thin, offset_mib, size_mib):
    sh("dd if=/dev/zero of={} bs=1M seek={} count={} oflag=direct status=none".format(
        thin.path, offset_mib, size_mib))


def climb(make_thin_pool, stretches):
    """A pool at 86% (above its 80% high mark, crossing its low water mark) and one evaluation
    with rungs that each discard one stretch (start MiB, length MiB); returns (pool, thin, engine,
    the rungs that ran, the plan)."""
    pool = make_thin_pool(data_size=256 * MiB)
    thin = pool.create_thin(250 * MiB)
    ran = []
    engine = engine_for(pool, {rung: discarding(rung, thin, start, length, ran)
                               for rung, (start, length) in zip(RUNG_ORDER, stretches)})
    engine.evaluate({"start"})                 # arms the mark at the high watermark: 820 free blocks
    write(thin, 0, 220)                        # crosses it: the kernel's event fires
    return pool, thin, engine, ran, engine.evaluate({"dm-event"})


def test_one_evaluation_climbs_from_the_high_mark_until_below_the_low_mark(make_thin_pool):
    # each rung frees about a quarter of the pool: 86% -> ~63% (under high, over low) -> ~40% -> ~9%
    _, _, engine, ran, plan = climb(make_thin_pool, [(0, 60), (60, 60), (120, 80)])
    assert ran == list(RUNG_ORDER)
    assert not plan.remediating and not engine.memory.remediating
    assert engine.last_snapshot.pool.status.data_used_percent < 30


def test_the_climb_stops_at_the_low_mark_not_after_every_rung(make_thin_pool):
    _, _, _, ran, _ = climb(make_thin_pool, [(0, 200), (200, 20), (200, 20)])
    assert ran == ["prune_containers"]


def test_after_a_climb_the_next_crossing_is_a_kernel_event_again(make_thin_pool):
    """dm-thin raises its low-water event once, and again only after the pool is resumed."""
    pool, thin, _, ran, _ = climb(make_thin_pool, [(0, 200), (0, 1), (0, 1)])
    assert ran == ["prune_containers"]
    armed = pool.event_nr()
    write(thin, 0, 220)                        # crosses it again
    assert pool.event_nr() > armed, "no event at the second crossing: the mark was not re-armed"


RACE_CONFIG = POOL + """\
events:
  arm_low_water_mark: "no"
ladder:
  order: [prune_containers, grow]
  fstrim: {{enabled: false}}
  grow: {{enabled: true}}
"""


def test_a_rung_waiting_on_docker_does_not_keep_grow_from_braking_the_fill(make_thin_pool):
    """The test's prune waits 20 s, as a docker rm on a busy dockerd does, while containers write:
    the engine looks each second, sees Docker's floor coming before the prune is done, and grows
    beside it (a real grow of the loop file, loop device and table). The pool never runs out."""
    pool = make_thin_pool(data_size=256 * MiB)
    thin = pool.create_thin(400 * MiB)
    write(thin, 0, 210)                                         # 82%: above the high mark
    times = {}

    def slow_prune(snapshot, ctx):
        times["prune started"] = time.monotonic()
        writer = subprocess.Popen(["bash", "-c", "for i in $(seq 210 249); do dd if=/dev/zero of={} bs=1M "
                                   "seek=$i count=1 oflag=direct status=none; sleep 0.1; done".format(thin.path)])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            ctx.heartbeat()
            time.sleep(0.5)
        writer.wait(120)
        times["prune ended"] = time.monotonic()
        return ActionResult("prune_containers", DONE, "waited on Docker")

    def grow(snapshot, ctx):
        times["grow started"] = time.monotonic()
        pool.grow_data(512 * MiB)
        return ActionResult("grow", DONE, "grew to 512 MiB")

    settings = load_config_text(RACE_CONFIG.format(pool=pool.name), "test config")
    log = configure_logging("info", "console")
    host = HostDoor(log, timeout=60)
    engine = Engine(settings, host, log, Observer(host, settings, with_docker=False),
                    Reporter(log, settings, time.monotonic), rungs={"prune_containers": slow_prune, "grow": grow})
    engine.evaluate({"start"})
    assert times["prune started"] < times["grow started"] < times["prune ended"], times
    status = pool.status()
    assert status["mode"] == "rw" and status["data_total_blocks"] * pool.block_bytes == 512 * MiB, status
