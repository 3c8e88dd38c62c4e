"""Racing the fill: the deadline, the estimates learnt from runs, the order they give, the brake,
the critical cooldown waiver and Docker's floor as a mark, on snapshots from a real RHEL 7 status
line (100 GiB pool, Docker's default 10% floor)."""
from guardian.decide import race
from guardian.decide.ladder import Memory, after_brake, plan, remember_run
from tests.unit.conftest import pool_snapshot

MiB = 1 << 20
ENFORCE = "mode: enforce\nladder:\n  grow:\n    enabled: true\n"
WITH_RELEASE = "mode: enforce\nladder:\n  release_mounts: {enabled: true}\n  fstrim: {enabled: false}\n"


def rungs(p):
    return [s.rung for s in p.steps]


def learnt(*runs, pool="docker-8:1-696417-pool"):
    memory = Memory()
    for rung, seconds, returned in runs:
        memory = memory.learnt(pool, rung, seconds, returned)
    return memory


def test_the_deadline_is_the_room_above_dockers_floor_over_the_fill_rate():
    assert race.deadline(300 * MiB, 100 * MiB, 10 * MiB) == 20.0
    assert race.deadline(50 * MiB, 100 * MiB, 10 * MiB) == 0.0
    assert race.deadline(300 * MiB, 100 * MiB, 0.0) is None


def test_a_rung_past_half_its_estimate_is_expected_to_take_as_long_again():
    assert race.still_to_run(10.0, 2.0) == 8.0
    assert race.still_to_run(10.0, 5.0) == 5.0
    assert race.still_to_run(10.0, 25.0) == 25.0     # a busy `docker rm` is not "done in a moment"


def test_an_estimate_is_a_running_average_weighted_to_the_newest_run():
    e = dict(learnt(("fstrim", 4.0, 100 * MiB), ("fstrim", 2.0, 300 * MiB)).estimates)["fstrim"]
    assert (e.seconds, e.returned, e.runs, e.last_returned) == (3.0, 200.0 * MiB, 2, 300 * MiB)
    assert race.describe(e) == "takes ~3.0 s, gives back ~200 MiB (2 runs)"


def test_a_pool_not_filling_keeps_the_configured_order(settings):
    p = plan(pool_snapshot(81.0), settings(ENFORCE), learnt(("fstrim", 1.0, 900 * MiB)), 0.0, fill_rate=0.0)
    assert rungs(p) == ["prune_containers", "fstrim", "grow"]


def test_the_rung_that_gives_back_most_before_the_deadline_goes_first(settings):
    memory = learnt(("prune_containers", 29.0, 50 * MiB), ("fstrim", 1.0, 272 * MiB))
    # 81% of 100 GiB, floor at 90%: 9 GiB to go at 100 MiB/s is 92 s
    p = plan(pool_snapshot(81.0), settings(ENFORCE), memory, 0.0, fill_rate=100 * MiB)
    assert rungs(p) == ["fstrim", "prune_containers", "grow"]
    assert "92 s to Docker's floor; takes ~1.0 s, gives back ~272 MiB (1 run)" == p.steps[0].why


def test_a_rung_that_gave_nothing_back_goes_after_a_slower_one_that_gives_back(settings):
    # the churn replay's journal, grow off, fstrim cooling down: 22 s to Docker's floor; release_mounts
    # "takes ~2.2 s, gives back ~0 MiB (4 runs)" went first, prune_containers waited, Docker refused
    memory = learnt(("release_mounts", 2.2, 0), ("release_mounts", 2.2, 0),
                    ("prune_containers", 18.0, 28 * MiB))
    p = plan(pool_snapshot(88.0), settings(WITH_RELEASE),
             memory, 0.0, fill_rate=100 * MiB)      # 2 GiB above the floor at 100 MiB/s: ~20 s
    assert rungs(p)[:2] == ["prune_containers", "release_mounts"]
    assert p.steps[1].why.endswith("gave nothing back: after the rungs that do")


def test_grow_keeps_its_configured_place_after_a_rung_that_gave_nothing_back(settings):
    memory = learnt(("prune_containers", 18.0, 28 * MiB), ("fstrim", 2.0, 0), ("grow", 0.5, 1 << 30))
    p = plan(pool_snapshot(81.0), settings(ENFORCE), memory, 0.0, fill_rate=10 * MiB)      # 15 min left
    assert rungs(p) == ["prune_containers", "fstrim", "grow"]


def test_the_brake_grow_goes_first_when_no_reclaiming_rung_can_finish_in_time(settings):
    memory = learnt(("prune_containers", 29.0, 50 * MiB), ("fstrim", 30.0, 10 * MiB))
    p = plan(pool_snapshot(86.0), settings(ENFORCE), memory, 0.0, fill_rate=200 * MiB)     # ~20 s left
    assert rungs(p)[0] == "grow" and p.steps[0].why.startswith("the brake: 20 s to Docker's floor")
    assert sorted(rungs(p)[1:]) == ["fstrim", "prune_containers"]


def test_once_the_deadline_is_safe_grow_is_not_first_again(settings):
    memory = learnt(("prune_containers", 29.0, 50 * MiB), ("fstrim", 30.0, 10 * MiB), ("grow", 0.5, 10 << 30))
    p = plan(pool_snapshot(81.0), settings(ENFORCE), memory, 0.0, fill_rate=10 * MiB)      # 15 min left
    assert rungs(p)[-1] == "grow"


def test_at_critical_a_cooldown_does_not_hold_back_a_rung_that_gave_space_back(settings):
    s = settings(ENFORCE)
    memory = remember_run(learnt(("fstrim", 1.0, 272 * MiB)), "fstrim", True, 0.0, s.ladder)
    high = plan(pool_snapshot(82.0), s, memory, 10.0)
    assert "fstrim" not in rungs(high)                          # cooling down below critical
    critical = plan(pool_snapshot(86.0), s, memory, 10.0)
    assert "fstrim" in rungs(critical)
    empty = remember_run(learnt(("fstrim", 1.0, 0)), "fstrim", True, 0.0, s.ladder)
    assert "fstrim" not in rungs(plan(pool_snapshot(86.0), s, empty, 10.0))   # it gave nothing last time


def test_at_critical_the_budget_still_caps(settings):
    s = settings(ENFORCE + "  fstrim:\n    budget: 1\n")
    memory = remember_run(learnt(("fstrim", 1.0, 272 * MiB)), "fstrim", True, 0.0, s.ladder)
    assert "fstrim" not in rungs(plan(pool_snapshot(86.0), s, memory, 10.0))


def test_dockers_floor_is_a_mark_the_climb_starts_from_before_the_high_mark(settings):
    s = settings(ENFORCE)
    assert not plan(pool_snapshot(75.0), s, Memory(), 0.0, fill_rate=1 * MiB).remediating   # 3.8 h away
    # 26 s away, and the three enabled rungs are guessed at 17 s: start now, well before 80%
    fast = plan(pool_snapshot(75.0), s, Memory(), 0.0, fill_rate=600 * MiB)
    assert fast.remediating and rungs(fast) == ["prune_containers", "fstrim", "grow"]
    assert "Docker's floor in ~26 s at this fill rate, sooner than the ladder's ~34 s" in fast.why


def test_below_dockers_floor_the_ladder_climbs_whatever_the_marks(settings):
    s = settings(ENFORCE + "watermarks:\n  data:\n    warning: 95%\n    high: 96%\n    low: 94%\n    critical: 98%\n")
    assert plan(pool_snapshot(92.0), s, Memory(), 0.0).remediating


def test_estimates_are_the_pools_own(settings):
    memory = learnt(("fstrim", 1.0, 272 * MiB), pool="another-pool")
    p = plan(pool_snapshot(81.0), settings(ENFORCE), memory, 0.0, fill_rate=100 * MiB)
    assert all("starting guess" in s.why for s in p.steps if s.rung != "grow")


def test_the_grow_step_says_which_parts_it_grows_and_why(settings):
    p = plan(pool_snapshot(81.0), settings(ENFORCE), learnt(), 0.0, fill_rate=0.0)
    assert dict((s.rung, s.why) for s in p.steps)["grow"].endswith("; grows data (81.0% is above its high mark)")
    in_band = learnt()._replace(remediating=True)       # 70%: under the high mark, not yet under the low
    p = plan(pool_snapshot(70.0), settings(ENFORCE), in_band, 0.0, fill_rate=200 * MiB)
    assert dict((s.rung, s.why) for s in p.steps)["grow"].endswith(
        "; grows data (Docker's floor in ~102 s at this fill rate (the brake: within 120 s))")


def test_after_the_brake_the_reclaiming_rungs_it_braked_for_go_on_below_the_low_marks(settings):
    s = settings(ENFORCE)
    memory = learnt(("prune_containers", 29.0, 50 * MiB), ("fstrim", 30.0, 10 * MiB))
    braked = plan(pool_snapshot(86.0), s, memory, 0.0, fill_rate=200 * MiB)
    assert braked.steps[0].brake and not any(step.brake for step in braked.steps[1:])
    below = plan(pool_snapshot(40.0), s, memory, 5.0, fill_rate=0.0)
    going_on = after_brake(braked, below, {"grow", rungs(braked)[1]})
    assert rungs(going_on) == rungs(braked)[2:] and not going_on.remediating
    assert going_on.steps[0].why.startswith("after the brake: ")
    assert after_brake(braked, below, set(rungs(braked))) is below          # each once in a climb


def test_a_plan_still_above_the_low_marks_after_the_brake_stands(settings):
    s = settings(ENFORCE)
    memory = learnt(("prune_containers", 29.0, 50 * MiB), ("fstrim", 30.0, 10 * MiB))
    braked = plan(pool_snapshot(86.0), s, memory, 0.0, fill_rate=200 * MiB)
    still = plan(pool_snapshot(84.0), s, memory._replace(remediating=True), 5.0, fill_rate=0.0)
    assert after_brake(braked, still, {"grow"}) is still


def test_a_pool_gone_read_only_after_the_brake_is_alerted_not_reclaimed(settings):
    s = settings(ENFORCE)
    memory = learnt(("prune_containers", 29.0, 50 * MiB), ("fstrim", 30.0, 10 * MiB))
    braked = plan(pool_snapshot(86.0), s, memory, 0.0, fill_rate=200 * MiB)
    read_only = plan(pool_snapshot(40.0, mode="ro"), s, memory, 5.0)
    assert read_only.alert and after_brake(braked, read_only, {"grow"}) is read_only
