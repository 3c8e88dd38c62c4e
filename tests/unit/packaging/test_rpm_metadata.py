"""What yum on CentOS 7 sees of the RPM: files, flags, dependencies, payload and scriptlets."""
import os
import re
import stat
import subprocess

from guardian import __version__


LIB = "/usr/lib/pool-guardian"
# Everything outside the vendored tree, as packaging/pool-guardian.spec's %files lists it.
EXPECTED = {
    "/usr/bin/pool-guardian",
    LIB,
    "/usr/lib/systemd/system/pool-guardian.service",
    "/etc/pool-guardian",
    "/etc/pool-guardian/config.yaml",
    "/etc/sysconfig/pool-guardian",
    "/usr/share/man/man8/pool-guardian.8.gz",
    "/usr/share/bash-completion/completions/pool-guardian",
    "/usr/share/doc/pool-guardian",
    "/usr/share/doc/pool-guardian/README.md",
    "/usr/share/doc/pool-guardian/config.md",
    "/usr/share/doc/pool-guardian/message-ids.md",
    "/usr/share/doc/pool-guardian/exit-codes.md",
    "/usr/share/doc/pool-guardian/json.md",
    "/usr/share/doc/pool-guardian/monitoring.md",
    "/usr/share/doc/pool-guardian/design.md",
    "/usr/share/doc/pool-guardian/troubleshooting.md",
    "/usr/share/doc/pool-guardian/alerts",
    "/usr/share/doc/pool-guardian/alerts/pool-guardian.rules.yml",
    "/usr/share/doc/pool-guardian/alerts/pool-guardian.rules.test.yml",
    "/usr/share/doc/pool-guardian/nrpe",
    "/usr/share/doc/pool-guardian/nrpe/pool-guardian.cfg",
    "/usr/share/doc/pool-guardian/nrpe/sudoers",
    "/usr/lib/systemd/catalog/pool-guardian.catalog",
    "/usr/share/licenses/pool-guardian",
    "/usr/share/licenses/pool-guardian/LICENSE",
}
CENTOS7_BASE = {"python3", "device-mapper", "util-linux", "xfsprogs", "e2fsprogs", "systemd", "/bin/sh",
                "device-mapper-persistent-data", "lvm2"}
# rpmlib() features rpm 4.11 provides (its lib/rpmds.c); a package needing another will not install.
RPM_411_FEATURES = {
    "VersionedDependencies", "CompressedFileNames", "PayloadIsBzip2", "PayloadIsXz", "PayloadIsLzma",
    "PayloadFilesHavePrefix", "ExplicitPackageProvide", "HeaderLoadSortsTags",
    "ScriptletInterpreterArgs", "PartialHardlinkSets", "ConcurrentAccess", "BuiltinLuaScripts",
    "FileDigests", "FileCaps", "ScriptletExpansion", "TildeInVersions",
}


def test_rpm_holds_what_the_spec_lists(rpm_query):
    files = set(rpm_query("-l"))
    assert {f for f in files if not f.startswith(LIB + "/")} == EXPECTED
    for module in ("guardian/cli.py", "guardian/__pycache__/cli.cpython-36.pyc", "yaml/__init__.py",
                   "docker/__init__.py", "apscheduler/__init__.py", "structlog/__init__.py",
                   "pyudev/__init__.py", "sdnotify/__init__.py"):
        assert "{}/{}".format(LIB, module) in files


def test_vendored_tree_has_no_scripts_or_build_leftovers(rpm_query):
    files = rpm_query("-l")
    assert not [f for f in files if f.startswith(LIB + "/bin") or "direct_url.json" in f or "/build-id" in f]
    assert not [f for f in files if f.endswith(".pyc") and not f.endswith(".cpython-36.pyc")]


def test_config_is_noreplace_and_the_launcher_is_executable(rpm_query):
    flags = dict(line.split(" ", 1)[::-1] for line in rpm_query("--qf", "[%{FILEFLAGS:fflags} %{FILENAMES}\n]"))
    assert flags["/etc/pool-guardian/config.yaml"] == "cn"     # %config(noreplace)
    assert flags["/etc/sysconfig/pool-guardian"] == "cn"
    assert flags["/usr/share/doc/pool-guardian/config.md"] == "d"
    modes = dict(line.split(" ", 1)[::-1] for line in rpm_query("--qf", "[%{FILEMODES} %{FILENAMES}\n]"))
    assert stat.S_IMODE(int(modes["/usr/bin/pool-guardian"])) == 0o755


def test_license_url_and_changelog_are_there(rpm_query):
    url, license_name = rpm_query("--qf", "%{URL}\n%{LICENSE}")
    assert url.startswith(("file:///", "https://")) and license_name == "ASL 2.0"
    changelog = rpm_query("--changelog")
    assert changelog[0].startswith("* ") and changelog[0].endswith(__version__ + "-1"), changelog[:1]


def test_version_is_the_package_version(rpm_query):
    assert rpm_query("--qf", "%{VERSION}-%{RELEASE}.%{ARCH}") == [__version__ + "-1.el7.x86_64"]


def test_requires_only_centos7_base_packages(rpm_query):
    names, features = set(), set()
    for line in rpm_query("-R"):
        feature = re.match(r"rpmlib\((\w+)\)", line)
        if feature:
            features.add(feature.group(1))
        else:
            names.add(line.split()[0])
    assert names <= CENTOS7_BASE, "not in CentOS 7 base: {}".format(sorted(names - CENTOS7_BASE))
    assert features <= RPM_411_FEATURES, "rpm 4.11 lacks: {}".format(sorted(features - RPM_411_FEATURES))
    assert "python3 >= 3.6" in rpm_query("-R")


def test_has_no_weak_dependencies_rpm_411_cannot_read(rpm_query):
    assert rpm_query("--recommends", "--suggests", "--supplements", "--enhances") == []


def test_payload_is_compressed_as_rpm_411_reads(rpm_query):
    assert rpm_query("--qf", "%{PAYLOADCOMPRESSOR}")[0] in {"gzip", "bzip2", "xz", "lzma"}


def scriptlets(rpm_query):
    """{'postinstall': body, ...} from `rpm -qp --scripts`."""
    found, name = {}, None
    for line in rpm_query("--scripts"):
        head = re.match(r"(\w+) scriptlet \(using /bin/sh\):$", line)
        if head:
            name = head.group(1)
            found[name] = []
        else:
            found[name].append(line)
    return {key: "\n".join(lines) for key, lines in found.items()}


def systemctl_calls(script, arg, tmp_path):
    """Run a scriptlet as rpm would ($1 = arg) with a systemctl that only records its arguments."""
    fake = tmp_path / "systemctl"
    log = tmp_path / "calls"
    fake.write_text("#!/bin/sh\necho \"$*\" >> {}\n".format(log))
    fake.chmod(0o755)
    env = dict(os.environ, PATH="{}:/usr/bin:/bin".format(tmp_path))
    subprocess.run(["/bin/sh", "-c", script, "scriptlet", str(arg)], env=env, check=True)
    return log.read_text().splitlines() if log.exists() else []


def test_scriptlets_preset_on_install_stop_on_removal_restart_on_upgrade(rpm_query, tmp_path):
    s = scriptlets(rpm_query)
    assert set(s) == {"postinstall", "preuninstall", "postuninstall"}
    unit = "pool-guardian.service"
    # $1 counts the versions installed after the transaction: 1 first install, 2 upgrade, 0 removal.
    cases = [("postinstall", 1, ["preset " + unit]), ("postinstall", 2, []),
             ("preuninstall", 0, ["--no-reload disable " + unit, "stop " + unit]),
             ("preuninstall", 1, []),
             ("postuninstall", 1, ["daemon-reload", "try-restart " + unit]),
             ("postuninstall", 0, ["daemon-reload"])]
    for number, (name, arg, calls) in enumerate(cases):
        case_dir = tmp_path / str(number)
        case_dir.mkdir()
        assert systemctl_calls(s[name], arg, case_dir) == calls, (name, arg)



def test_an_upgrade_over_a_config_this_version_refuses_warns_whoever_upgrades(rpm_query, tmp_path):
    """The restart after an upgrade would fail on the old config (exit 78, in the journal only):
    %post says so on yum's terminal, with check-config's own line."""
    fake = tmp_path / "pool-guardian"
    fake.write_text("#!/bin/sh\necho 'pool-guardian: config /etc/pool-guardian/config.yaml: "
                    "watermarks.data.high: 80 needs a unit (80%)' >&2\nexit 78\n")
    fake.chmod(0o755)
    env = dict(os.environ, PATH="{}:/usr/bin:/bin".format(tmp_path))
    done = subprocess.run(["/bin/sh", "-c", scriptlets(rpm_query)["postinstall"], "scriptlet", "2"], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=True)
    assert "will not start until the config is fixed" in done.stderr
    assert "watermarks.data.high: 80 needs a unit" in done.stderr
