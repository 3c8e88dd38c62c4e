"""The RPM, built once per test session with `make rpm`, and installed once into a scratch root.

Building takes seconds once .cache/rpm holds the wheels (the first build downloads them), and `make`
rebuilds nothing when nothing changed, so the fixtures call it every session rather than trusting a
dist/ left behind by someone else's tree.
"""
import importlib.util
import os
import shutil
import subprocess
import sys

import pytest

from guardian import __version__

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
RPM = os.path.join(ROOT, "dist", "pool-guardian-{}-1.el7.x86_64.rpm".format(__version__))


def run(argv, **kwargs):
    """Run a command; its output is in the assertion message when it fails."""
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, **kwargs)
    assert result.returncode == 0, "{} exited {}:\n{}{}".format(
        " ".join(argv), result.returncode, result.stdout[-3000:], result.stderr[-3000:])
    return result


def need(tool, package):
    if shutil.which(tool) is None:
        pytest.fail("{} is missing: apt-get install {} (make setup installs it)".format(tool, package))


@pytest.fixture(scope="session")
def rpm_file():
    need("rpmbuild", "rpm")
    result = subprocess.run(["make", "-f", "packaging/rpm.mk", "rpm"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, universal_newlines=True)
    if result.returncode != 0:
        pytest.fail("make rpm failed:\n" + result.stdout[-4000:])
    return RPM


@pytest.fixture(scope="session")
def rpm_query(rpm_file):
    """rpm_query('-l') -> the output lines of `rpm -qp -l RPM`."""
    def query(*args):
        return run(["rpm", "-qp"] + list(args) + [rpm_file]).stdout.splitlines()
    return query


@pytest.fixture(scope="session")
def scratch_root(rpm_file, tmp_path_factory):
    """The RPM installed as on a host, without dependencies or scriptlets; its rpmdb stays inside."""
    root = str(tmp_path_factory.mktemp("root"))
    run(["rpm", "-i", "--root", root, "--nodeps", "--noscripts", rpm_file])
    return root


@pytest.fixture(scope="session")
def python36():
    """The CPython 3.6 behind the .venv: CentOS 7's python3 is a 3.6."""
    python = os.path.realpath(sys.executable)
    if sys.version_info[:2] != (3, 6):
        pytest.fail("the packaging tests need a CPython 3.6 (run them from .venv); this is " + python)
    return python


@pytest.fixture(scope="session")
def clidocs():
    """packaging/clidocs.py, which is a script, not part of the guardian package."""
    spec = importlib.util.spec_from_file_location("clidocs", os.path.join(ROOT, "packaging", "clidocs.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
