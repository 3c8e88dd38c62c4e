"""`pool-guardian diagnose`: the verdict on another host's captured outputs, exit 0-3 as check."""
import argparse
import json
import sys

from guardian.commands import check
from guardian.config import DEFAULT_PATH
from guardian.report.nagios import UNKNOWN

HELP = "the verdict on captured outputs from another host, and the doctor's checks they allow; exit 0-3 as check"


class Parser(check.Parser):
    """diagnose answers 0-3 as check does: a wrong command line is UNKNOWN (3), not CRITICAL (2),
    said in one line on standard error; --help exits 0."""
    exit = argparse.ArgumentParser.exit

    def error(self, message):
        sys.stderr.write("{}: error: {}\n".format(self.prog, message))
        sys.exit(UNKNOWN)


def add_arguments(p):
    p.add_argument("--docker-info", metavar="FILE", help="`docker info` text (a prompt line or a ``` code "
                   "fence around it is fine) or Engine API /info JSON; - reads stdin")
    p.add_argument("--dmsetup-status", metavar="FILE", help="`dmsetup status` output; - reads stdin")
    p.add_argument("--dmsetup-table", metavar="FILE", help="`dmsetup table` output; - reads stdin")
    p.add_argument("--sosreport", metavar="DIR|TARBALL",
                   help="a sosreport: its folder or the tarball sos wrote (.tar.xz, .tar.gz, .tar.bz2, .tar); "
                        "- reads the tarball from stdin")
    p.add_argument("--pool", metavar="NAME", help="the thin pool to judge when the captures hold several "
                   "(default: the config's pool.name, else Docker's pool)")
    p.add_argument("--json", action="store_true", help="the snapshot and the verdict as JSON")


def run(args):
    """A broken config here says so and gives way to the defaults: it is not the captured host's."""
    from guardian.commands.status import print_snapshot
    from guardian.config import load_config, load_config_text
    from guardian.decide.thresholds import from_marks
    from guardian.decide.verdict import judge
    from guardian.errors import ConfigError
    from guardian.decide.doctor import examine
    from guardian.tools.diagnose import diagnose
    from guardian.tools.doctor import CAPTURE_CHECKS, capture_facts
    try:
        settings = load_config(args.config or DEFAULT_PATH)
    except ConfigError as exc:
        sys.stderr.write("pool-guardian: {}; diagnose goes on with the default settings\n".format(exc))
        settings = load_config_text("")
    from_config = settings.pool.name and not args.pool
    snapshot = diagnose(docker_info=args.docker_info, dmsetup_status=args.dmsetup_status,
                        dmsetup_table=args.dmsetup_table, sosreport=args.sosreport,
                        pool_name=args.pool or settings.pool.name,
                        pool_from="config pool.name" if from_config else "--pool", stdin=sys.stdin.buffer)
    verdict = judge(snapshot, from_marks(settings.watermarks))
    findings = examine(capture_facts(snapshot, settings), CAPTURE_CHECKS)
    if args.json:
        from guardian.report.render import findings_data, snapshot_json
        data = json.loads(snapshot_json(snapshot, settings.watermarks, verdict=verdict))
        data["doctor"] = findings_data(findings)
        print(json.dumps(data, indent=2, sort_keys=True))
    else:
        print_snapshot(snapshot, settings, False, verdict=verdict)
        from guardian.report.render import findings_text
        print(findings_text(findings, "doctor (the checks captures allow)"))
    return verdict.exit_code
