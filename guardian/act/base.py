"""What every action shares: the context it is given and the result it returns.

An action is a function `(snapshot, ctx) -> ActionResult`: it checks its preconditions, acts
through ctx.host (the one command door, which also makes dry-run work), and says what it did
with numbers. It raises nothing an operator should not see: failures are results, and
run_rung runs one the same way for the daemon's climb and an operator's command: under the pool's
action lock, a bug turned into a failed result (run_guarded), then the pool looked at again.
"""
import contextlib
from typing import Callable, NamedTuple, Tuple

from guardian.host.lock import LockBusy, action_lock

DONE = "done"
PARTLY_DONE = "partly done"     # some of the work done, some failed: freed space counts, no back-off
NOTHING_TO_DO = "nothing to do"
DRY_RUN = "dry-run"
REFUSED = "refused"
FAILED = "failed"
STOPPING = "the daemon is stopping"


class ActionContext(NamedTuple):
    host: object          # guardian.host.door.HostDoor (dry_run set in dry-run mode)
    log: object
    settings: object        # the whole Settings; an action reads its own rung section
    observe: Callable       # () -> fresh Snapshot, for numbers after a step
    heartbeat: Callable = lambda: None      # call between long steps to keep the watchdog fed
    should_stop: Callable = lambda: False   # True once the daemon (or an operator's command) is stopping
    data_fill_rate: float = 0.0     # bytes/s seen by the daemon just before; 0 for one-shot commands
    climbing: bool = False          # the daemon's ladder (stop once out of danger), not an operator's command

    @property
    def dry_run(self):
        return self.host.dry_run


class Chosen(NamedTuple):
    name: str
    why: str
    item: object = None     # what the rung acts on: a container, an image, a filesystem


class RungPlan(NamedTuple):
    """What a rung will act on and what it leaves, each with why, decided before anything changes
    (fail2ban's check, then act; grow's LoopGrow or Refusal). The rung executes it as it stands;
    the log has it (rung.planned), at info in dry-run, which is what --dry-run shows."""
    rung: str
    verb: str                               # "remove", "trim"
    chosen: Tuple[Chosen, ...] = ()         # in the order they are acted on
    kept: Tuple[Tuple[str, str], ...] = ()  # (name, why it stays)
    where: str = ""                         # "dockerd's mount namespace", when it matters

    @property
    def items(self):
        return [c.item for c in self.chosen]

    def describe(self):
        """'remove: old (exited 3.0 h ago); keep: web (running ...)', on one line."""
        verb = self.verb + (" in " + self.where if self.where else "")
        parts = [verb + ": " + _reasons((c.name, c.why) for c in self.chosen)] if self.chosen \
            else ["nothing to " + verb]
        if self.kept:
            parts.append("keep: " + _reasons(self.kept))
        return "; ".join(parts)


def _reasons(pairs):
    return ", ".join("{} ({})".format(name, why) for name, why in pairs)


def told(ctx, plan):
    """The plan in the log before it is executed: at info in a dry run, else at debug."""
    (ctx.log.info if ctx.dry_run else ctx.log.debug)(
        "rung.planned", rung=plan.rung, chosen=len(plan.chosen), kept=len(plan.kept), message=plan.describe())
    return plan


class ActionResult(NamedTuple):
    rung: str
    outcome: str            # done, nothing to do, dry-run, refused, failed
    summary: str            # one line for the journal and `systemctl status`
    numbers: dict = {}
    critical: bool = False  # an operator must act: the guardian has nothing left that may help

    @property
    def succeeded(self):
        return self.outcome in (DONE, PARTLY_DONE, NOTHING_TO_DO, DRY_RUN)


def run_guarded(name, action, snapshot, ctx):
    """An action's bug must not kill the daemon, nor stop a one-shot command before it reports:
    the traceback goes to the log (action.crashed) and the rung gets a FAILED result. The error's
    type and message are fields of their own: a chained traceback (urllib3 under requests under
    Docker's SDK) passes 4096 bytes, and `journalctl -o json` shows such a field as null."""
    try:
        return action(snapshot, ctx)
    except Exception as exc:
        error = "{}: {}".format(type(exc).__name__, exc)
        ctx.log.exception("action.crashed", message=error, rung=name, error=error)
        return ActionResult(name, FAILED, error)


def run_rung(name, action, snapshot, context, look_after, locked=False, alongside=None):
    """One rung, for the daemon's climb and an operator's prune, trim or grow alike: under the
    pool's action lock (a LockBusy is a REFUSED result) unless the caller holds it already,
    guarded, then looked at again (not when it did nothing). Returns (result, the look after it).

    context(progressed) builds the rung's ActionContext; alongside(work), when given, runs
    work(progressed) and returns its result (the daemon runs it beside the thread that feeds
    systemd's watchdog and races the fill); by default it runs here."""
    def work(progressed):
        return run_guarded(name, action, snapshot, context(progressed))
    try:
        with contextlib.ExitStack() if locked else action_lock():     # ExitStack: nothing to hold
            result = alongside(work) if alongside else work(lambda: None)
    except LockBusy as exc:
        result = ActionResult(name, REFUSED, str(exc))
    return result, (snapshot if result.outcome == NOTHING_TO_DO else look_after())


def outcome_of(done, failed, dry_run):
    """One busy container among four removals is not a failed rung: what was freed counts, and
    the rung is not backed off; only a rung that freed nothing and failed is a failure."""
    if failed:
        return PARTLY_DONE if done else FAILED
    return DRY_RUN if dry_run else DONE


class Tried(NamedTuple):
    done: Tuple = ()            # (item, what attempt returned) for each that went through
    failed: Tuple = ()          # (item, the error)
    stopped_early: str = ""     # why the rest was not tried; "" when every item was


def try_each(ctx, items, attempt, errors, hold=lambda: None, last=lambda error: None):
    """The loop of a rung with many steps: before each item, stop when the daemon is stopping or
    hold() gives a reason (a spent time budget, a pool already out of danger); feed the watchdog;
    attempt it. An error of `errors` is recorded and the rest still tried, unless last(error)
    says why the rest cannot go either (a Docker that no longer answers)."""
    done, failed = [], []
    for item in items:
        why = STOPPING if ctx.should_stop() else hold()
        if why:
            return Tried(tuple(done), tuple(failed), why)
        ctx.heartbeat()
        try:
            done.append((item, attempt(item)))
        except errors as exc:
            failed.append((item, exc))
            why = last(exc)
            if why:
                return Tried(tuple(done), tuple(failed), why)
    return Tried(tuple(done), tuple(failed))
