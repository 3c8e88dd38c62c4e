"""The RPM installed into a scratch root runs on a CPython 3.6 from its own tree alone.

The launcher is run by the interpreter directly (its #! names CentOS 7's /usr/bin/python3) with -I,
as the #! line does, and -S, so that not even the interpreter's site-packages can fill a gap: a
module missing from /usr/lib/pool-guardian fails here, not on a customer's host.
"""
import json
import os
import struct
import subprocess

from .conftest import ROOT, run

CORPUS = os.path.join(ROOT, "tests", "fixtures", "corpus", "docker-info")
if not os.path.isdir(CORPUS):
    CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpus", "docker-info")
DOCKER_INFO = os.path.join(CORPUS, "001.txt")
IMPORTS = ("docker", "structlog", "apscheduler", "pyudev", "sdnotify", "yaml")


def launcher(scratch_root, python36, *args):
    return run([python36, "-I", "-S", os.path.join(scratch_root, "usr/bin/pool-guardian")] + list(args))


def test_launcher_runs_isolated_on_centos7_python3(scratch_root):
    with open(os.path.join(scratch_root, "usr/bin/pool-guardian")) as handle:
        assert handle.readline() == "#!/usr/bin/python3 -I\n"


def test_installed_launcher_reports_the_version(scratch_root, python36):
    from guardian import __version__
    assert launcher(scratch_root, python36, "--version").stdout.strip() == "pool-guardian " + __version__


def test_installed_launcher_accepts_the_shipped_config(scratch_root, python36):
    config = os.path.join(scratch_root, "etc/pool-guardian/config.yaml")
    assert launcher(scratch_root, python36, "check-config", config).stdout == "config {}: OK\n".format(config)


def test_installed_launcher_diagnoses_a_captured_docker_info(scratch_root, python36):
    config = os.path.join(scratch_root, "etc/pool-guardian/config.yaml")
    proc = subprocess.run([python36, "-I", "-S", os.path.join(scratch_root, "usr/bin/pool-guardian"), "--config",
                           config, "diagnose", "--docker-info", DOCKER_INFO, "--json"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True)
    answer = json.loads(proc.stdout)
    docker = answer["docker"]
    assert docker["storage_driver"] == "devicemapper" and docker["data_total_bytes"] > 0
    assert proc.returncode == answer["verdict"]["exit_code"], proc.stderr      # exit 0-3 as check


def test_vendored_tree_alone_provides_every_dependency(scratch_root, python36):
    lib = os.path.join(scratch_root, "usr/lib/pool-guardian")
    code = ("import sys; sys.path.insert(0, {lib!r})\n"
            "import {imports}\n"
            "for m in ({imports}): assert m.__file__.startswith({lib!r}), m.__file__\n"
            "assert yaml.__with_libyaml__, 'the C loader (a cp36 manylinux wheel) did not load'\n"
            # APScheduler finds its triggers through entry points: the .dist-info must be there too.
            "from apscheduler.schedulers.background import BackgroundScheduler\n"
            "BackgroundScheduler(timezone='UTC').add_job(print, 'interval', seconds=60)\n"
            ).format(lib=lib, imports=", ".join(IMPORTS))
    run([python36, "-I", "-S", "-c", code])


def test_shipped_bytecode_is_current_for_the_installed_sources(scratch_root):
    """A .pyc records its source's mtime and size; if rpm changed either, 3.6 would ignore it."""
    lib = os.path.join(scratch_root, "usr/lib/pool-guardian")
    stale = []
    for directory, _, files in os.walk(lib):
        for name in (f for f in files if f.endswith(".py")):
            source = os.path.join(directory, name)
            compiled = os.path.join(directory, "__pycache__", name[:-3] + ".cpython-36.pyc")
            with open(compiled, "rb") as handle:
                header = handle.read(12)
            info = os.stat(source)
            if struct.unpack("<II", header[4:12]) != (int(info.st_mtime), info.st_size & 0xFFFFFFFF):
                stale.append(source)
    assert not stale


def test_every_installed_module_imports_from_the_tree_and_the_stdlib(scratch_root, python36):
    """Commands import lazily; importing every module finds a dependency no command above reached."""
    lib = os.path.join(scratch_root, "usr/lib/pool-guardian")
    code = ("import importlib, pkgutil, sys, sysconfig; sys.path.insert(0, {lib!r})\n"
            "import guardian\n"
            "for m in pkgutil.walk_packages(guardian.__path__, 'guardian.'):\n"
            "    if m.name != 'guardian.__main__': importlib.import_module(m.name)\n"
            "roots = ({lib!r}, sysconfig.get_paths()['stdlib'], sysconfig.get_paths()['platstdlib'])\n"
            "outside = [n for n, m in sys.modules.items()\n"
            "           if getattr(m, '__file__', None) and not m.__file__.startswith(roots)]\n"
            "assert not outside, outside\n").format(lib=lib)
    run([python36, "-I", "-S", "-c", code])
