"""Helpers for the integration tests that run inside the test-bed guest (tests/bed/README.md).

Everything here drives the real kernel, dmsetup, LVM and Docker of the guest; nothing is faked.
Python 3.6: no capture_output/text in subprocess, no f-strings with '=' etc.
"""
import os
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SCRATCH = os.environ.get("BED_SCRATCH", "/scratch")
ROOTFS_TAR = os.environ.get("BED_ROOTFS_TAR", os.path.join(REPO, ".cache/bed/busybox-rootfs.tar"))


def in_guest():
    return os.environ.get("BED_GUEST") == "1"


def run(argv, check=True, timeout=120, **kwargs):
    """Run argv (no shell); returns CompletedProcess with text stdout/stderr.
    A failure raises AssertionError naming the command, its exit code and its output."""
    proc = subprocess.run(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=timeout, **kwargs)
    if check and proc.returncode != 0:
        raise AssertionError("`{}` exited {}:\n{}{}".format(" ".join(argv), proc.returncode, proc.stdout,
                                                             proc.stderr))
    return proc


def sh(command, check=True, timeout=120, input=None, env=None):
    """Run a bash command line, as run() does."""
    return run(["bash", "-c", command], check=check, timeout=timeout, input=input, env=env)


def out(command, **kwargs):
    """stdout of a bash command line, stripped."""
    return sh(command, **kwargs).stdout.strip()


def dmesg_since(mark):
    """Kernel log lines after `mark` (a count from dmesg_mark())."""
    return out("dmesg").splitlines()[mark:]


def dmesg_mark():
    return len(out("dmesg").splitlines())
