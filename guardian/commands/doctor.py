"""`pool-guardian doctor`: the settings that turn a full pool into an outage, each PASS, WARN or
FAIL with the number it saw and the change to make; exit 0-3 as check. It only reads, but for
`--reclaim --yes`, which deletes the thin devices Docker has lost track of (guardian/tools/orphans.py)."""
import argparse
import json
import sys

from guardian.commands import add_docker_root, diagnose
from guardian.decide.doctor import EXIT_CODE, UNKNOWN

HELP = ("check the settings that turn a full pool into an outage; exit 0 OK, 1 WARN, 2 FAIL, 3 UNKNOWN; "
        "--reclaim: the thin devices Docker has lost track of")
DESCRIPTION = ("Each check prints one line: PASS, WARN, FAIL, UNKNOWN (its input could not be read, and "
               "why) or SKIP (not for this kind of pool), what it saw and the change to make. "
               "docs/troubleshooting.md explains each. --reclaim lists the thin devices Docker's metadata "
               "does not name instead, and with --yes deletes them: exit 0 when every one was deleted "
               "(or there is none, or without --yes), 1 when one was kept (its line says why), 3 when "
               "the pool or Docker's metadata could not be read.")


class Parser(diagnose.Parser):
    """A wrong command line is UNKNOWN (3), said in one line on standard error, as diagnose's."""


def add_arguments(p):
    p.add_argument("--json", action="store_true", help="the findings as JSON")
    p.add_argument("--reclaim", action="store_true", help="instead of the checks: the thin devices Docker's "
                   "metadata does not name (orphan_devices), and what deleting them would give back; "
                   "changes nothing without --yes")
    p.add_argument("--yes", action="store_true", help="with --reclaim: delete each orphan that still is one "
                   "after the grace period, no file of Docker's naming its id, no Docker transaction open, "
                   "the device not active (each checked right before its delete)")
    p.add_argument("--grace", type=_seconds_arg, default=None, metavar="SECONDS",
                   help="with --reclaim --yes: how long a device must have been an orphan (default 120)")
    add_docker_root(p)


def run(args):
    from guardian.app import build_app
    from guardian.decide.doctor import examine, exit_code
    from guardian.errors import GuardianError
    from guardian.observe.observer import observe
    from guardian.report.render import findings_data, findings_text
    from guardian.tools.doctor import live_facts
    wrong = _wrong_switches(args)
    if wrong:
        sys.stderr.write("pool-guardian: doctor: {}\n".format(wrong))
        return EXIT_CODE[UNKNOWN]
    try:
        app = build_app(args.config, log_target="console")
    except GuardianError as exc:
        sys.stderr.write("pool-guardian: doctor: {}\n".format(exc))
        return EXIT_CODE[UNKNOWN]
    snapshot = observe(app.host, app.settings)
    if args.reclaim:
        return reclaim(app, snapshot, args)
    findings = examine(live_facts(snapshot, app.settings, app.host))
    print(json.dumps(findings_data(findings), indent=2, sort_keys=True) if args.json else findings_text(findings))
    return exit_code(findings)


def reclaim(app, snapshot, args):
    """doctor --reclaim [--yes]: one line and UNKNOWN (3) when the pool or Docker's files cannot be read."""
    from guardian.errors import GuardianError
    from guardian.tools.orphans import GRACE_SECONDS, reclaim as reclaim_orphans
    try:
        return reclaim_orphans(app, snapshot, args.docker_root, args.yes,
                               GRACE_SECONDS if args.grace is None else args.grace)
    except GuardianError as exc:
        sys.stderr.write("pool-guardian: doctor --reclaim: {}\n".format(exc))
        return EXIT_CODE[UNKNOWN]


def _wrong_switches(args):
    if args.reclaim and args.json:
        return "--json is for the checks, not --reclaim"
    for switch, given in (("--yes", args.yes), ("--grace", args.grace is not None),
                          ("--docker-root", args.docker_root)):
        if given and not args.reclaim:
            return "{} goes with --reclaim".format(switch)
    return None


def _seconds_arg(text):
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("expected seconds, a number >= 0, got {!r}".format(text))
    return value
