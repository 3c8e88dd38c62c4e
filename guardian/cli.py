"""Command line: `pool-guardian COMMAND`. Each command is a small function over the App."""
import argparse
import sys
import time

from guardian import __version__
from guardian.app import build_app
from guardian.config import DEFAULT_PATH, load_config
from guardian.errors import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, GuardianError, ParseError, UsageError
from guardian.report import plugin
from guardian.report.nagios import UNKNOWN
from guardian.report.log import configure_logging, stderr_is_journal
from guardian.report.render import render_status, snapshot_json
from guardian.units import parse_size_option

CONFIG_HELP = "config file (default {}); before or after COMMAND, and after it wins when both are given".format(
    DEFAULT_PATH)


def cmd_status(args):
    app = build_app(args.config, log_target="console")
    from guardian.decide.thresholds import from_marks
    from guardian.decide.verdict import judge
    from guardian.observe.observer import observe
    snapshot = observe(app.host, app.settings, with_docker=not args.no_docker)
    from guardian.report.state import published_forecast
    forecast, note = published_forecast(snapshot, app.settings)
    verdict = judge(snapshot, from_marks(app.settings.watermarks), forecast)
    _print_snapshot(snapshot, app.settings, args.json, forecast, note, verdict)
    return EXIT_OK if snapshot.pool is not None else EXIT_FAILURE


def cmd_diagnose(args):
    """The verdict on another host's captures; exit 0-3 as `check`. A broken config here says so
    and gives way to the defaults: it is not the captured host's."""
    from guardian.config import load_config_text
    from guardian.decide.thresholds import from_marks
    from guardian.decide.verdict import judge
    from guardian.errors import ConfigError
    from guardian.tools.diagnose import diagnose
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
    _print_snapshot(snapshot, settings, args.json, verdict=verdict)
    return verdict.exit_code


def cmd_check(args):
    """Nagios/Icinga plugin (guardian/report/plugin.py): exit 0-3, one line with perfdata."""
    from guardian.report.plugin import run_check
    return run_check(args, build_app)


def cmd_run(args):
    from guardian.daemon.service import run_service
    return run_service(args.config or DEFAULT_PATH, mode=args.mode)


def cmd_plan(args):
    """What the daemon would do now and why, with no side effect; with the running daemon's
    memory (cooldowns, budgets, back-off) when there is one."""
    from guardian.decide.ladder import plan
    from guardian.observe.observer import observe
    from guardian.report.state import published_rate
    from guardian.report.state import read_daemon_memory
    from guardian.report.render import plan_json, render_plan
    app = build_app(args.config, log_target="console", mode=args.mode)
    memory, memory_from = read_daemon_memory()
    snapshot = observe(app.host, app.settings)
    current = plan(snapshot, app.settings, memory, time.time(), published_rate(snapshot))
    print(plan_json(current, memory_from) if args.json else render_plan(current, memory_from))
    return EXIT_OK if snapshot.pool is not None else EXIT_FAILURE


def cmd_act(args):
    """prune, trim, grow: one action now (logic in guardian.act.oneshot)."""
    from guardian.act.oneshot import run_oneshot
    return run_oneshot(args.command, args)


def cmd_tool(args):
    """rescue, resize, busy, top: the operator tools (guardian.tools.*)."""
    from guardian.tools.docker_state import docker_root
    if args.command == "rescue" and args.action == "umount" and (args.dir or args.rw):
        raise UsageError("rescue umount takes only CONTAINER (DIR and --rw are for rescue mount)")
    app = build_app(args.config, log_target="console")
    root = docker_root(args.docker_root)
    if args.command == "rescue":
        from guardian.tools import rescue
        if args.action == "mount":
            return rescue.rescue_mount(app, args.container, args.dir, args.rw, root)
        return rescue.rescue_umount(app, args.container)
    if args.command == "resize":
        from guardian.tools.resize import resize
        return resize(app, args.container, args.size, root)
    if args.command == "busy":
        from guardian.tools.busy import busy
        return busy(app, args.what, args.release, root)
    from guardian.tools.top import top
    return top(app, args.n, args.json, root)


def cmd_check_config(args):
    """OK, or that no file exists and the defaults are in force; --print: the settings in force."""
    from guardian.config.example import render_effective
    from guardian.config.load import load_config_or_defaults
    path = args.file or args.config or DEFAULT_PATH
    try:
        settings, found = load_config_or_defaults(path)
    except GuardianError as exc:
        if not stderr_is_journal():
            raise
        # The unit's ExecReload: a refused file is a config.invalid entry, as the daemon's own.
        configure_logging(target="journal").error("config.invalid", message=str(exc), config=path)
        return exc.exit_code
    if args.print:
        sys.stdout.write(render_effective(settings, path, found))
    elif found:
        print("config {}: OK".format(path))
    else:
        print("config {}: none exists; the built-in defaults are in force".format(path))
    return EXIT_OK


def _print_snapshot(snapshot, settings, as_json, forecast=None, note=None, verdict=None):
    render = snapshot_json if as_json else render_status
    print(render(snapshot, settings.watermarks, forecast, note, verdict))


def _count_arg(text):
    if not text.isdigit():
        raise argparse.ArgumentTypeError("expected a whole number >= 0, got {!r}".format(text))
    return int(text)


def _size_arg(text):
    """Bytes, checked with the rest of the command line: a bad SIZE is a usage error naming it."""
    try:
        return parse_size_option(text)
    except ParseError as exc:
        raise argparse.ArgumentTypeError(str(exc))


class CommandLineParser(argparse.ArgumentParser):
    """A wrong command line is one line naming what is wrong, exit 2, like every other error here
    (argparse would print the whole usage first). `check` keeps the plugin's own parser (exit 3)."""

    def error(self, message):
        program, _, command = self.prog.partition(" ")
        self.exit(EXIT_USAGE, "{}: {}{}\n".format(program, command + ": " if command else "", message))


class _DiagnoseParser(plugin.PluginArgumentParser):
    """diagnose answers 0-3 as check does: a wrong command line is UNKNOWN (3), not CRITICAL (2),
    said in one line on standard error; --help exits 0."""
    exit = argparse.ArgumentParser.exit

    def error(self, message):
        sys.stderr.write("{}: error: {}\n".format(self.prog, message))
        sys.exit(UNKNOWN)


def build_parser():
    parser = CommandLineParser(
        prog="pool-guardian",
        description="Keeps Docker's devicemapper thin pool from filling up.")
    parser.add_argument("--version", action="version", version="%(prog)s " + __version__)
    parser.add_argument("--config", metavar="FILE", help=CONFIG_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("status", help="the live snapshot of the pool")
    p.add_argument("--json", action="store_true", help="complete snapshot as JSON")
    p.add_argument("--no-docker", action="store_true", help="kernel view only; do not ask Docker")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("diagnose", help="the verdict on captured outputs from another host; exit 0-3 as check")
    p.__class__ = _DiagnoseParser
    p.add_argument("--docker-info", metavar="FILE", help="`docker info` text or Engine API /info JSON; - reads stdin")
    p.add_argument("--dmsetup-status", metavar="FILE", help="`dmsetup status` output; - reads stdin")
    p.add_argument("--dmsetup-table", metavar="FILE", help="`dmsetup table` output; - reads stdin")
    p.add_argument("--sosreport", metavar="DIR|TARBALL",
                   help="a sosreport: its folder or the tarball sos wrote (.tar.xz, .tar.gz, .tar.bz2, .tar); "
                        "- reads the tarball from stdin")
    p.add_argument("--pool", metavar="NAME", help="the thin pool to judge when the captures hold several "
                   "(default: the config's pool.name, else Docker's pool)")
    p.add_argument("--json", action="store_true", help="the snapshot and the verdict as JSON")
    p.set_defaults(func=cmd_diagnose)

    p = sub.add_parser("check", help="Nagios/Icinga plugin: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN",
                       description="Thresholds take the plugin range syntax: 80, 10:, ~:90, @10:20.")
    p.__class__ = plugin.PluginArgumentParser       # bad arguments and --help exit 3 (UNKNOWN)
    plugin.add_arguments(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("run", help="the daemon (what the systemd unit runs)")
    p.add_argument("--mode", choices=("observe", "dry-run", "enforce"), help="override the config's mode")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("plan", help="what the daemon would do now, and why, with the running daemon's "
                                     "cooldowns, budgets and back-off; changes nothing")
    p.add_argument("--json", action="store_true", help="the plan as JSON")
    p.add_argument("--mode", choices=("observe", "dry-run", "enforce"), help="plan as if in this mode")
    p.set_defaults(func=cmd_plan)

    for name, help_text in (("prune", "remove stopped containers now (and images, mounts if enabled)"),
                            ("trim", "fstrim Docker's mounted thin volumes now"),
                            ("grow", "grow the pool's data (or --metadata) by one step now")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--dry-run", action="store_true", help="say what would be done; change nothing")
        p.set_defaults(func=cmd_act)
    _act_flags(sub.choices)

    _tool_parsers(sub)

    p = sub.add_parser("check-config", help="validate a config file")
    p.add_argument("file", nargs="?", metavar="FILE", help="the file to validate (default: --config's)")
    p.add_argument("--print", action="store_true",
                   help="print the settings in force, every default filled in, as a config file")
    p.set_defaults(func=cmd_check_config)

    for p in sub.choices.values():      # NRPE lines and habit put it after the command too
        p.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help=CONFIG_HELP)
    return parser


def _act_flags(parsers):
    parsers["prune"].add_argument("--images", action="store_true", help="also prune images")
    parsers["prune"].add_argument("--release-mounts", action="store_true",
                                  help="also release leaked mounts of dead containers")
    parsers["grow"].add_argument("--data", action="store_true", help="grow data (the default)")
    parsers["grow"].add_argument("--metadata", action="store_true", help="grow metadata")


def _tool_parsers(sub):
    p = sub.add_parser("rescue", help="mount a stopped container's filesystem (read-only unless --rw) "
                       "to clean it up; umount undoes it")
    p.add_argument("action", choices=("mount", "umount"),
                   help="mount: activate and mount it; umount: unmount and deactivate what mount created")
    p.add_argument("container", metavar="CONTAINER", help="name or id")
    p.add_argument("dir", nargs="?", metavar="DIR",
                   help="mount: where (default /run/pool-guardian/rescue/ID12)")
    p.add_argument("--rw", action="store_true", help="mount: read-write, to delete files")

    p = sub.add_parser("resize", help="grow a stopped container's filesystem (dockerd stopped)")
    p.add_argument("container", metavar="CONTAINER", help="name or id")
    p.add_argument("size", metavar="SIZE", type=_size_arg, help="new size, e.g. 20G (never smaller than now)")

    p = sub.add_parser("busy", help="who holds a container's, path's or device's mounts, in every namespace")
    p.add_argument("what", metavar="CONTAINER|PATH|DEVICE",
                   help="a container's name or id, a path (a mount point or under one) or a block device")
    p.add_argument("--release", action="store_true", help="unmount inside the holders' namespaces (never kills)")

    p = sub.add_parser("top", help="pool usage per container and image layer (thin_ls; reads all metadata)")
    p.add_argument("-n", type=_count_arg, default=20, metavar="N", help="show the N biggest (0: all; default 20)")
    p.add_argument("--json", action="store_true", help="the table as JSON")
    for name in ("rescue", "resize", "busy", "top"):
        parser = sub.choices[name]
        parser.add_argument("--docker-root", metavar="DIR", help="Docker's root directory "
                            "(default: data-root in /etc/docker/daemon.json, else /var/lib/docker)")
        parser.set_defaults(func=cmd_tool)


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except GuardianError as exc:
        sys.stderr.write("pool-guardian: {}\n".format(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
