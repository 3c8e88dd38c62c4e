"""`pool-guardian doctor`: the settings that turn a full pool into an outage, each PASS, WARN or
FAIL with the number it saw and the change to make; exit 0-3 as check. It only reads."""
import json
import sys

from guardian.commands import diagnose
from guardian.decide.doctor import EXIT_CODE, UNKNOWN

HELP = "check the settings that turn a full pool into an outage; exit 0 OK, 1 WARN, 2 FAIL, 3 UNKNOWN"
DESCRIPTION = ("Each check prints one line: PASS, WARN, FAIL, UNKNOWN (its input could not be read, and "
               "why) or SKIP (not for this kind of pool), what it saw and the change to make. "
               "docs/troubleshooting.md explains each.")


class Parser(diagnose.Parser):
    """A wrong command line is UNKNOWN (3), said in one line on standard error, as diagnose's."""


def add_arguments(p):
    p.add_argument("--json", action="store_true", help="the findings as JSON")


def run(args):
    from guardian.app import build_app
    from guardian.decide.doctor import examine
    from guardian.errors import GuardianError
    from guardian.observe.observer import observe
    from guardian.tools.doctor import live_facts
    try:
        app = build_app(args.config, log_target="console")
    except GuardianError as exc:
        sys.stderr.write("pool-guardian: doctor: {}\n".format(exc))
        return EXIT_CODE[UNKNOWN]
    snapshot = observe(app.host, app.settings)
    findings = examine(live_facts(snapshot, app.settings, app.host))
    print(render_json(findings) if args.json else render_text(findings))
    return exit_code_of(findings)


def exit_code_of(findings):
    from guardian.decide.doctor import exit_code
    return exit_code(findings)


def render_text(findings):
    """'doctor: WARN (...counts)', then one line a check: status, name, what it saw, the change."""
    from guardian.report.render import examined_line, finding_line
    return "\n".join([examined_line(findings)] + ["{:<7} {}".format(f.status, finding_line(f)) for f in findings])


def render_json(findings):
    from guardian.decide.doctor import exit_code, worst
    return json.dumps({"status": worst(findings), "exit_code": exit_code(findings),
                       "findings": [dict(f._asdict()) for f in findings]}, indent=2, sort_keys=True)
