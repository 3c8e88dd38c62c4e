"""`pool-guardian run`: the daemon, as the systemd unit starts it (guardian/daemon/)."""
from guardian.config import DEFAULT_PATH

HELP = "the daemon (what the systemd unit runs)"


def add_arguments(p):
    p.add_argument("--mode", choices=("observe", "dry-run", "enforce"), help="override the config's mode")


def run(args):
    from guardian.daemon.service import run_service
    return run_service(args.config or DEFAULT_PATH, mode=args.mode)
