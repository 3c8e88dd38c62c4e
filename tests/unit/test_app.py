"""build_app's second half: the logger and the host follow the settings they are built from,
so the daemon's reload (which builds from a new config) changes log.* and pool.command_timeout."""
from guardian.app import app_from
from guardian.config import load_config_text


def test_the_host_and_the_logger_follow_the_settings(capsys):
    quiet = app_from(load_config_text("log:\n  target: console\n"))
    quiet.log.debug("pool.observed")
    assert "pool.observed" not in capsys.readouterr().err
    loud = app_from(load_config_text("pool:\n  command_timeout: 7s\nlog:\n  target: console\n  level: debug\n"))
    loud.log.debug("pool.observed")
    assert "pool.observed" in capsys.readouterr().err
    assert (quiet.host.timeout, loud.host.timeout) == (30.0, 7.0)
    assert loud.host.log is loud.log


def test_the_daemons_dry_run_comes_from_the_mode_and_a_one_shot_says_its_own():
    dry = load_config_text("mode: dry-run\nlog:\n  target: console\n")
    assert app_from(dry).host.dry_run
    assert not app_from(load_config_text("mode: enforce\nlog:\n  target: console\n")).host.dry_run
    assert not app_from(dry, dry_run=False).host.dry_run            # `pool-guardian prune` without --dry-run


def test_a_logger_built_before_a_reload_follows_the_new_config(capsys):
    """The daemon's state and metrics outlive a reload and keep the logger they were built with."""
    old = app_from(load_config_text("log:\n  target: console\n")).log
    app_from(load_config_text("log:\n  target: console\n  level: debug\n"))
    old.debug("pool.observed")
    assert "pool.observed" in capsys.readouterr().err
