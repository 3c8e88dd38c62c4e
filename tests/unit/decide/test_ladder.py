"""The ladder's policy, stepped through a fake clock: band, order, cooldown, budget, back-off."""
from guardian.decide.ladder import Memory, next_ready_at, plan, remember_run
from tests.unit.conftest import pool_snapshot

ENFORCE = "mode: enforce\nladder:\n  grow:\n    enabled: true\n"


def test_below_the_high_mark_nothing_is_planned(settings):
    p = plan(pool_snapshot(79.0), settings(ENFORCE), Memory(), now=0)
    assert p.steps == () and not p.remediating and p.level == "warning"


def test_above_high_every_enabled_rung_runs_in_order(settings):
    p = plan(pool_snapshot(81.0), settings(ENFORCE), Memory(), now=0)
    assert [s.rung for s in p.steps] == ["prune_containers", "fstrim", "grow"]
    assert {s.rung: s.why for s in p.skipped} == {
        "release_mounts": "disabled in the config", "prune_images": "disabled in the config"}


def test_configured_order_is_kept(settings):
    text = ENFORCE + "  order: [grow, fstrim]\n  prune_containers: {enabled: false}\n"
    p = plan(pool_snapshot(81.0), settings(text), Memory(), now=0)
    assert [s.rung for s in p.steps] == ["grow", "fstrim"]


def test_hysteresis_keeps_going_until_below_low(settings):
    s = settings(ENFORCE)
    started = plan(pool_snapshot(81.0), s, Memory(), now=0)
    middle = plan(pool_snapshot(75.0), s, Memory(remediating=started.remediating), now=1)
    assert middle.steps and middle.remediating
    done = plan(pool_snapshot(69.0), s, Memory(remediating=True), now=2)
    assert done.steps == () and not done.remediating


def test_metadata_alone_starts_the_ladder(settings):
    p = plan(pool_snapshot(10.0, meta_percent=71.0), settings(ENFORCE), Memory(), now=0)
    assert p.steps


def test_cooldown_counts_from_the_last_run(settings):
    s = settings(ENFORCE)
    memory = remember_run(Memory(), "fstrim", True, now=100, ladder=s.ladder)
    during = plan(pool_snapshot(81.0), s, memory, now=100 + 899)
    assert "fstrim" not in [x.rung for x in during.steps]
    assert dict((s.rung, s.why) for s in during.skipped)["fstrim"] == "cooling down for 1 s"
    after = plan(pool_snapshot(81.0), s, memory, now=100 + 900)
    assert "fstrim" in [x.rung for x in after.steps]


def test_hourly_budget_limits_runs(settings):
    s = settings(ENFORCE + "  fstrim:\n    cooldown: 1s\n    budget: 2\n")
    memory = Memory()
    for t in (0, 10):
        memory = remember_run(memory, "fstrim", True, now=t, ladder=s.ladder)
    assert dict((x.rung, x.why) for x in plan(pool_snapshot(81.0), s, memory, now=20).skipped)["fstrim"] == "hourly budget of 2 runs spent"
    assert "fstrim" in [x.rung for x in plan(pool_snapshot(81.0), s, memory, now=3601).steps]


def test_failures_back_off_exponentially_up_to_the_cap(settings):
    s = settings("mode: enforce\nladder:\n  grow:\n    enabled: true\n    cooldown: 1s\n    budget: 100\n")
    memory, delays = Memory(), []
    now = 0.0
    for _ in range(8):
        memory = remember_run(memory, "grow", False, now=now, ladder=s.ladder)
        delays.append(memory.rung("grow").retry_after - now)
        now = memory.rung("grow").retry_after
    assert delays == [60, 120, 240, 480, 960, 1920, 2400, 2400]


def test_success_clears_the_back_off(settings):
    s = settings(ENFORCE)
    memory = remember_run(Memory(), "grow", False, now=0, ladder=s.ladder)
    memory = remember_run(memory, "grow", True, now=100, ladder=s.ladder)
    assert memory.rung("grow").failures == 0 and memory.rung("grow").retry_after is None


def test_observe_mode_plans_nothing_but_says_what_it_would_do(settings):
    p = plan(pool_snapshot(81.0), settings("mode: observe"), Memory(), now=0)
    assert p.steps == () and not p.acts
    assert dict((s.rung, s.why) for s in p.skipped)["prune_containers"] == "observe mode: alert only"


def test_unhealthy_pool_gets_alerts_only(settings):
    p = plan(pool_snapshot(99.0, mode="ro"), settings(ENFORCE), Memory(), now=0)
    assert p.steps == () and p.level == "critical" and p.alert.startswith("alert only")


def test_a_pool_out_of_data_space_climbs_the_ladder_while_its_writes_are_queued(settings):
    p = plan(pool_snapshot(100.0, mode="out_of_data_space"), settings(ENFORCE), Memory(), now=0)
    assert p.level == "critical" and p.acts and "grow" in [s.rung for s in p.steps]
    assert p.alert == "the pool is out of data space: writes are queued or failing; remediating"


def test_critical_with_nothing_left_to_try_alerts_with_what_was_tried(settings):
    s = settings(ENFORCE)
    memory = Memory()
    for rung in ("prune_containers", "fstrim", "grow"):
        memory = remember_run(memory, rung, True, now=0, ladder=s.ladder)
    p = plan(pool_snapshot(90.0), s, memory, now=30)
    assert p.steps == ()
    assert p.alert.startswith("critical (data 90.0% metadata 1.0%) and no rung can run now: ")
    assert "fstrim cooling down for 870 s" in p.alert


def test_no_pool_is_an_alert_naming_the_problem(settings):
    from guardian.observe.snapshot import compose_snapshot
    snapshot = compose_snapshot(None, [], None, problems=["kernel: dmsetup: command not found"])
    p = plan(snapshot, settings(), Memory(), now=0)
    assert p.level == "unknown" and "dmsetup: command not found" in p.alert


def test_the_daemon_wakes_itself_when_the_first_waiting_rung_is_ready(settings):
    s = settings(ENFORCE + "    cooldown: 1s\n")
    memory = remember_run(Memory(), "grow", True, now=100.0, ladder=s.ladder)
    assert next_ready_at(s.ladder, memory, now=100.2) == 101.0
    assert next_ready_at(s.ladder, memory, now=101.5) is None       # ready now: nothing to wait for


def test_a_rung_backing_off_is_waited_for_until_its_retry_time(settings):
    s = settings(ENFORCE + "    cooldown: 1s\n")
    memory = remember_run(Memory(), "grow", False, now=100.0, ladder=s.ladder)
    assert next_ready_at(s.ladder, memory, now=100.5) == 100.0 + s.ladder.backoff_initial


def test_disabled_rungs_are_never_waited_for(settings):
    s = settings("mode: enforce\n")
    memory = remember_run(Memory(), "grow", True, now=100.0, ladder=s.ladder)
    assert next_ready_at(s.ladder, memory, now=100.5) is None
