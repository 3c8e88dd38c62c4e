"""The wheel and the sdist pip users get (make wheel; make rpm builds them on the way)."""
import os
import tarfile
import zipfile

from guardian import __version__

from .conftest import ROOT

DIST = os.path.join(ROOT, "dist")


def test_wheel_holds_the_package_and_the_command(rpm_file):
    with zipfile.ZipFile(os.path.join(DIST, "pool_guardian-{}-py3-none-any.whl".format(__version__))) as wheel:
        names = set(wheel.namelist())
        info = "pool_guardian-{}.dist-info/".format(__version__)
        entry_points = wheel.read(info + "entry_points.txt").decode()
        metadata = wheel.read(info + "METADATA").decode()
    assert {"guardian/__init__.py", "guardian/cli.py", "guardian/config/schema.py"} <= names
    assert "pool-guardian = guardian.cli:main" in entry_points
    assert "Requires-Python: >=3.6" in metadata and "Requires-Dist: docker" in metadata


def test_sdist_carries_what_a_packager_needs(rpm_file):
    top = "pool-guardian-{}/".format(__version__)
    with tarfile.open(os.path.join(DIST, "pool-guardian-{}.tar.gz".format(__version__))) as sdist:
        names = set(sdist.getnames())
    for path in ("setup.cfg", "guardian/cli.py", "requirements/el7.txt", "etc/config.yaml",
                 "systemd/pool-guardian.service", "docs/config.md", "packaging/pool-guardian.spec",
                 "packaging/pool-guardian.8", "packaging/launcher", "packaging/pool-guardian.sysconfig"):
        assert top + path in names, path
