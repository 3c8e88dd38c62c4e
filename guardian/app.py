"""The composition root: config, logger and command host are built here and passed in.

Loading the file and building from settings are apart so the daemon's reload can rebuild the
logger and the host from a new config it has already accepted.
"""
from typing import NamedTuple

from guardian.config import DEFAULT_PATH, load_config
from guardian.host.door import HostDoor
from guardian.report.log import configure_logging


class App(NamedTuple):
    settings: object
    log: object
    host: HostDoor


def load_settings(config_path=None, mode=None):
    """mode, when given, overrides the config's (e.g. `run --mode dry-run` for a first look)."""
    settings = load_config(config_path or DEFAULT_PATH)
    return settings._replace(mode=mode) if mode else settings


def app_from(settings, dry_run=None, log_target=None):
    """The logger (log.*) and the host (pool.command_timeout) these settings ask for; a dry run
    when their mode is dry-run (the daemon's) unless dry_run says (a one-shot command's --dry-run)."""
    log = configure_logging(settings.log.level, log_target or settings.log.target)
    if dry_run is None:
        dry_run = settings.mode == "dry-run"
    host = HostDoor(log, dry_run=dry_run, timeout=settings.pool.command_timeout)
    return App(settings, log, host)


def build_app(config_path=None, dry_run=False, log_target=None, mode=None):
    return app_from(load_settings(config_path, mode), dry_run, log_target)
