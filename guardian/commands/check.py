"""`pool-guardian check`: the Nagios/Icinga plugin's arguments and its one run, with UNKNOWN for
anything wrong; its line and perfdata are rendered by guardian/report/nagios.py.

The guidelines want exit 3 for bad arguments (argparse would exit 2), for a timeout and for any
internal error, never a traceback on the plugin's line. One check reads the kernel (ioctls, no
process) and, for the forecast, the samples the daemon publishes; Docker only with --docker.
"""
import argparse
import signal
import sys

from guardian import __version__
from guardian.app import build_app
from guardian.config import values
from guardian.decide import thresholds as ranges
from guardian.errors import GuardianError
from guardian.report import nagios
from guardian.report.state import DOCTOR_FILE, HISTORY_FILE, daemon_age, published_doctor, published_forecast

HELP = "Nagios/Icinga plugin: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN"
DESCRIPTION = "Thresholds take the plugin range syntax: 80, 10:, ~:90, @10:20."


class Parser(argparse.ArgumentParser):
    """Usage errors and --help exit UNKNOWN (3) with the reason on one line, as plugins must."""

    def error(self, message):
        self.exit(nagios.UNKNOWN, "POOL UNKNOWN - {}: {}\n".format(self.prog, message))

    def exit(self, status=0, message=None):
        if message:
            sys.stdout.write(message)
        sys.exit(nagios.UNKNOWN)

    def parse_known_args(self, args=None, namespace=None):
        parsed, extra = super().parse_known_args(args, namespace)
        if extra:
            self.error("unrecognized arguments: " + " ".join(extra))
        return parsed, extra


def add_arguments(p):
    p.add_argument("-w", "--warning", type=_range, metavar="RANGE",
                   help="data and metadata usage, percent (default: the config's warning marks)")
    p.add_argument("-c", "--critical", type=_range, metavar="RANGE",
                   help="data and metadata usage, percent (default: the config's critical marks)")
    for what in ("data", "metadata"):
        for mark in ("warning", "critical"):
            p.add_argument("--{}-{}".format(what, mark), type=_range, metavar="RANGE",
                           help="{} usage only; overrides -{}".format(what, mark[0]))
    p.add_argument("--time-warning", type=_time, metavar="DURATION",
                   help="WARNING when the forecast says full sooner, e.g. 6h")
    p.add_argument("--time-critical", type=_time, metavar="DURATION",
                   help="CRITICAL when the forecast says full sooner, e.g. 1h")
    p.add_argument("--min-free-space", type=_share, metavar="PERCENT",
                   help="Docker's dm.min_free_space, for its floor without asking Docker (default 10%%)")
    p.add_argument("--docker", action="store_true", help="also ask Docker (its floor, its pool name); "
                   "WARNING when it does not answer")
    p.add_argument("--daemon-max-age", type=_seconds, default=300, metavar="DURATION",
                   help="WARNING when the daemon's last evaluation is older (default 5m), or when the "
                   "unit is enabled and the daemon never evaluated since boot")
    p.add_argument("--no-daemon", action="store_true",
                   help="check runs alone on this host: do not ask whether the daemon is alive")
    # Accepted, ignored and hidden: check asked Docker unless --no-docker until --docker came (ac24ad4),
    # and NRPE command lines written before still pass it; refusing it would turn their checks UNKNOWN.
    p.add_argument("--no-docker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("-t", "--timeout", type=_seconds, default=10, metavar="SECONDS",
                   help="UNKNOWN after this long (default 10)")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more detail (-vv: problems too)")
    p.add_argument("-V", "--version", action="version", version="pool-guardian check " + __version__)


def thresholds(marks, args):
    """Ranges from the flags; the config's warning and critical marks where none is given."""
    config = ranges.from_marks(marks)

    def pick(what, mark):
        return getattr(args, "{}_{}".format(what, mark)) or getattr(args, mark) or \
            getattr(config, "{}_{}".format(what, mark))
    return config._replace(data_warning=pick("data", "warning"), data_critical=pick("data", "critical"),
                           metadata_warning=pick("metadata", "warning"),
                           metadata_critical=pick("metadata", "critical"),
                           time_warning=args.time_warning, time_critical=args.time_critical)


def run(args):
    return run_check(args, build_app)


def run_check(args, build_app, history_path=HISTORY_FILE, doctor_path=DOCTOR_FILE):
    """The plugin's line and exit code; anything that goes wrong is UNKNOWN."""
    signal.signal(signal.SIGALRM, _timed_out)
    signal.alarm(max(1, int(args.timeout)))
    try:
        result = _check(args, build_app, history_path, doctor_path)
    except CheckTimeout:
        result = nagios.CheckResult(nagios.UNKNOWN, "POOL UNKNOWN - no answer within {} s".format(args.timeout))
    except Exception as exc:        # a plugin never dies with a traceback: UNKNOWN with the reason
        result = nagios.CheckResult(nagios.UNKNOWN, "POOL UNKNOWN - {}".format(_one_line(exc)))
    finally:
        signal.alarm(0)
    print(result.line)
    return result.code


def _check(args, build_app, history_path, doctor_path):
    from guardian.observe.observer import observe
    app = build_app(args.config, log_target="console")
    limits = thresholds(app.settings.watermarks, args)
    snapshot = _with_floor(observe(app.host, app.settings, with_docker=args.docker), args.min_free_space)
    outlook, note = published_forecast(snapshot, app.settings, history_path)
    daemon = None if args.no_daemon else daemon_age(args.daemon_max_age, history_path)
    examined = published_doctor(doctor_path)
    return nagios.check_pool(snapshot, limits, outlook, note, args.verbose, daemon, examined)


def _with_floor(snapshot, share):
    """Docker's floor from --min-free-space when Docker was not asked."""
    if share is None or snapshot.docker is not None:
        return snapshot
    pools = tuple(p._replace(min_free_bytes=int(p.data_total_bytes * share))
                  if p.watched and p.data_total_bytes is not None else p for p in snapshot.pools)
    return snapshot._replace(pools=pools)


class CheckTimeout(Exception):
    pass


def _timed_out(signum, frame):
    raise CheckTimeout()


def _one_line(exc):
    """Our own errors already name what is wrong; anything else is named by its type too."""
    text = str(exc).strip().splitlines()
    if isinstance(exc, GuardianError) and text:
        return text[0]
    return "{}: {}".format(type(exc).__name__, text[0]) if text else type(exc).__name__


def _argument(parse):
    """An argparse type from a parser: its ValueError becomes argparse's one-line usage error."""
    def convert(text):
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc))
    return convert


_range = _argument(ranges.parse_range)
_seconds = _argument(values.positive(values.duration_or_seconds))
_share = _argument(lambda text: values.percent_or_number(text) / 100.0)


def _time(text):
    """A duration; the forecast alerts when the pool is full sooner (the range `SECONDS:`)."""
    seconds = _seconds(text)
    return ranges.Range(seconds, ranges.INF, False, ranges.range_text(seconds, ranges.INF))
