"""The unit works with CentOS 7's systemd 219 and passes systemd-analyze verify as installed."""
import os
import re
import shutil

import pytest

from guardian.cli import build_parser

from .conftest import ROOT, run

UNIT = os.path.join(ROOT, "systemd", "pool-guardian.service")
SYSCONFIG = os.path.join(ROOT, "packaging", "pool-guardian.sysconfig")
KNOWN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "systemd-219-directives.txt")


def directives_219():
    """{section: set of directive names} from the list taken from systemd v219's man pages."""
    known, section = {}, None
    with open(KNOWN) as handle:
        for line in handle:
            line = line.split("#", 1)[0].strip()
            if line.startswith("["):
                section = line.strip("[]")
                known[section] = set()
            elif line:
                known[section].update(line.split())
    return known


def unknown_directives(text, known):
    """'line N: [Section] Key is unknown to systemd 219' for each directive outside the list."""
    problems, section = [], None
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        header = re.match(r"\[(\w+)\]$", line)
        if header:
            section = header.group(1)
            continue
        key = line.split("=", 1)[0].strip()
        if key not in known.get(section, ()):
            problems.append("line {}: [{}] {} is unknown to systemd 219".format(number, section, key))
    return problems


def test_unit_uses_only_directives_systemd_219_knows():
    with open(UNIT) as handle:
        problems = unknown_directives(handle.read(), directives_219())
    assert not problems, "\n".join(problems)


def test_the_check_names_a_directive_219_does_not_know():
    text = "[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true\nProtectKernelTunables=yes\nMemoryMax=1G\n"
    assert unknown_directives(text, directives_219()) == [
        "line 5: [Service] ProtectKernelTunables is unknown to systemd 219",
        "line 6: [Service] MemoryMax is unknown to systemd 219"]


def test_the_daemon_and_the_reload_check_take_the_same_options_from_sysconfig():
    """Both get $OPTIONS before their command, where global options such as --config go: the check
    before each reload reads the file the daemon reads, whichever that is."""
    with open(UNIT) as handle:
        lines = handle.read().splitlines()
    assert "EnvironmentFile=-/etc/sysconfig/pool-guardian" in lines
    assert "ExecStart=/usr/bin/pool-guardian $OPTIONS run" in lines
    assert "ExecReload=/usr/bin/pool-guardian $OPTIONS check-config" in lines


def test_the_shipped_sysconfig_sets_no_options_and_its_example_parses_for_both_commands():
    with open(SYSCONFIG) as handle:
        text = handle.read()
    assert re.search(r"^OPTIONS=$", text, re.M)
    example = re.search(r'^#OPTIONS="(.*)"$', text, re.M).group(1)
    for command in ("run", "check-config"):
        args = build_parser().parse_args(example.split() + [command])     # systemd splits $OPTIONS at spaces
        assert (args.config, args.command) == ("/etc/pool-guardian/other.yaml", command)


def test_systemd_analyze_verifies_the_installed_unit(scratch_root, python36, tmp_path):
    """The installed unit, its ExecStart pointed at the scratch root's launcher, man page included."""
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze is missing: apt-get install systemd (make setup installs it)")
    with open(os.path.join(scratch_root, "usr/lib/systemd/system/pool-guardian.service")) as handle:
        text = handle.read()
    assert "\nExecStart=/usr/bin/pool-guardian $OPTIONS run\n" in text
    unit = tmp_path / "pool-guardian.service"
    for key in ("ExecStart", "ExecReload"):
        text = text.replace("\n{}=/usr/bin/pool-guardian ".format(key), "\n{}={} -I {}/usr/bin/pool-guardian ".format(
            key, python36, scratch_root))
    unit.write_text(text)
    # With man(1) there, verify also opens Documentation=man:pool-guardian(8) from the scratch root.
    env = dict(os.environ, MANPATH=os.path.join(scratch_root, "usr/share/man"))
    check_man = "--man=yes" if shutil.which("man") else "--man=no"
    run(["systemd-analyze", "verify", check_man, str(unit)], env=env)
