"""The composition root: config, logger and command runner are built here and passed in."""
from typing import NamedTuple

from guardian.config import DEFAULT_PATH, load_config
from guardian.host.runner import Runner
from guardian.report.log import configure_logging


class App(NamedTuple):
    settings: object
    log: object
    runner: Runner


def build_app(config_path=None, dry_run=False, log_target=None, mode=None):
    """mode, when given, overrides the config's (e.g. `run --mode dry-run` for a first look)."""
    settings = load_config(config_path or DEFAULT_PATH)
    if mode:
        settings = settings._replace(mode=mode)
    log = configure_logging(settings.log.level, log_target or settings.log.target)
    runner = Runner(log, dry_run=dry_run, timeout=settings.pool.command_timeout)
    return App(settings, log, runner)
