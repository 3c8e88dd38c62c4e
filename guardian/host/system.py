"""Reads of the host's settings for the doctor: a sysctl, a kernel module's parameter, a small
configuration file, Docker's daemon command line, this process' mountinfo, and a tool's version
through the door. Text or numbers out; observe/ parses, decide/doctor.py judges.
"""
import os

from guardian.errors import CommandError
from guardian.host.files import read_small_file
from guardian.host.processes import PROC, docker_daemon_pid, read_proc_file

PROC_SYS = "/proc/sys"
SYS_MODULE = "/sys/module"
MAX_CONFIG_BYTES = 1 << 20


def sysctl(name, proc_sys=PROC_SYS):
    """The sysctl's value as text ('0'); None when this kernel has no such sysctl. OSError when it
    exists but cannot be read."""
    return _optional_text(os.path.join(proc_sys, *name.split(".")))


def module_parameter(module, name, sys_module=SYS_MODULE):
    """/sys/module/MODULE/parameters/NAME as text; None when the module is not loaded or has no such
    parameter."""
    return _optional_text(os.path.join(sys_module, module, "parameters", name))


def config_file(path):
    """A small configuration file's text; None when it does not exist."""
    try:
        return read_small_file(path, MAX_CONFIG_BYTES).decode("utf-8", "replace")
    except FileNotFoundError:
        return None


def docker_daemon_argv(proc=PROC):
    """(pid, argv) of the running Docker daemon, or None when none runs."""
    pid = docker_daemon_pid(proc)
    if pid is None:
        return None
    words = read_proc_file("{}/{}/cmdline".format(proc, pid)).split(b"\0")
    return pid, [w.decode("utf-8", "replace") for w in words if w]


def own_mountinfo(proc=PROC):
    return read_proc_file(os.path.join(proc, "self", "mountinfo")).decode("utf-8", "replace")


def tool_version(host, name, flag="-V"):
    """A tool's version line (`thin_check -V`); None when it is not installed. CommandError when
    it is there but fails."""
    try:
        host.which(name)
    except CommandError:
        return None
    result = host.run([name, flag], timeout=10, check=False)
    text = (result.stdout.strip() or result.stderr.strip()).splitlines()
    if result.returncode != 0 or not text:
        raise CommandError("{} {} failed (exit {}): {}".format(name, flag, result.returncode,
                                                               text[0] if text else "no output"))
    return text[0].strip()


def lvm_config(host, name, profile=""):
    """`lvm config --type full NAME` text (with the profile's settings when given)."""
    argv = ["lvm", "config", "--type", "full"] + (["--metadataprofile", profile] if profile else []) + [name]
    return host.run(argv, timeout=45, check=False).stdout


def _optional_text(path):
    try:
        with open(path) as handle:
            return handle.read().strip()
    except FileNotFoundError:
        return None
