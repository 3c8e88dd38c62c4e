"""Docker's storage options where dockerd gets them, read from real files and command lines."""
import pytest

from guardian.errors import ParseError
from guardian.observe.docker_options import (options_from_argv, options_from_daemon_json,
                                             options_from_sysconfig)


def test_docker_storage_setup_file_gives_the_driver_and_every_dm_option(sample):
    options = options_from_sysconfig(sample("docker-storage", "001.txt"))
    assert options.driver == "devicemapper"
    assert options.values == {"dm.fs": "xfs", "dm.thinpooldev": "/dev/mapper/dockervg-docker--pool",
                              "dm.use_deferred_removal": "true", "dm.use_deferred_deletion": "true"}


def test_a_sysconfig_without_the_variable_sets_nothing():
    options = options_from_sysconfig("# DOCKER_STORAGE_OPTIONS is set by docker-storage-setup\n")
    assert options.driver is None and options.values == {}


def test_daemon_json_from_dockers_docs_gives_its_storage_opts(sample):
    options = options_from_daemon_json(sample("daemon-json", "001.txt"))
    assert options.driver == "devicemapper"
    assert options.values == {"dm.thinpooldev": "/dev/mapper/docker-thinpool", "dm.use_deferred_removal": "true",
                              "dm.use_deferred_deletion": "true"}


def test_a_daemon_json_that_is_not_json_is_refused_naming_the_file(sample):
    with pytest.raises(ParseError, match="/etc/docker/daemon.json: not JSON"):
        options_from_daemon_json(sample("daemon-json", "001.txt")[:40])


def test_rhel_dockerd_command_line_names_its_driver_and_no_dm_option(sample):
    options = options_from_argv(sample("dockerd-cmdline", "001.txt").split())
    assert options.driver == "overlay2" and options.values == {}


def test_storage_opt_with_an_equals_sign_and_the_first_setting_wins(sample):
    words = sample("dockerd-cmdline", "001.txt").split()[:1] + [
        "--storage-opt=dm.xfs_nospace_max_retries=0", "--storage-opt", "dm.min_free_space=5%",
        "--storage-opt", "dm.min_free_space=20%"]
    assert options_from_argv(words).values == {"dm.xfs_nospace_max_retries": "0", "dm.min_free_space": "5%"}
