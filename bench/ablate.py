"""pool-guardian with one rule of the race against the fill taken out, for bench/replay's ablation
arms: issue 28 asks that each rule earn its place in the replay, or go. The rule is patched out
here, in the bench, so the daemon's code carries no switch for it.

    .venv/bin/python bench/ablate.py RULE [pool-guardian arguments...]

RULE is one of RULES, or several joined by "+" (brake+beside: rules that may cover for each other);
the rest is `pool-guardian`'s command line (e.g. `--config F run`).
"""
import sys

from guardian.daemon import engine
from guardian.daemon.engine import Engine
from guardian.decide import ladder, race


def without_deadline():
    """Every look orders the rungs as configured, as before the race (and so no brake either)."""
    ordered = race.order_by_race
    race.order_by_race = lambda ready, estimates, seconds_left, order: ordered(ready, estimates, None, order)


def without_brake():
    """The deadline still orders the reclaiming rungs; grow never jumps ahead of them."""
    ordered = race.order_by_race

    def no_brake(ready, estimates, seconds_left, order):
        chosen = ordered(ready, estimates, seconds_left, order)
        if chosen and chosen[0].brake:
            return chosen[1:] + (race.Choice("grow", "in its configured place (ablation: no brake)"),)
        return chosen
    race.order_by_race = no_brake


def without_after_brake():
    """After the brake the climb stops at the low marks, as before "then go on reclaiming"."""
    engine.after_brake = lambda braked, current, ran: current


def without_beside():
    """A rung waiting on dockerd holds back grow and fstrim again."""
    Engine._race_beside = lambda self, look: None


def without_waiver():
    """At critical, cooldowns hold back every rung again."""
    race.critical_override = lambda estimate, level: False


def without_floor_mark():
    """The climb starts at the high mark, or below Docker's floor; not early for the floor."""
    floor_near = ladder.floor_near
    ladder.floor_near = lambda pool, *rest: floor_near(pool, *rest) if pool.below_docker_floor else None


def without_floor_horizon():
    """grow grows data only above its high mark or below Docker's floor, not for a floor in sight."""
    race.FLOOR_HORIZON = -1.0         # decide/growth.py reads it at each call


RULES = {"deadline": without_deadline, "brake": without_brake, "after-brake": without_after_brake,
         "beside": without_beside,
         "waiver": without_waiver, "floor-mark": without_floor_mark, "floor-horizon": without_floor_horizon}


def main(argv):
    rules = argv[0].split("+") if argv else [""]
    unknown = [rule for rule in rules if rule not in RULES]
    if unknown:
        sys.stderr.write("ablate.py: RULE {!r} is not one of {}\n".format(unknown[0], ", ".join(sorted(RULES))))
        return 2
    for rule in rules:
        RULES[rule]()
    from guardian.cli import main as pool_guardian
    return pool_guardian(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
