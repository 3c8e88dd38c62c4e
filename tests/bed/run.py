#!/usr/bin/env python3
"""Boot ONE test-bed guest (qemu, TCG), run a command in the project checkout inside it.

The guest sees the host's / read-only (9p + overlay), so it runs the host's Python, dmsetup and
docker; the command's terminal (ttyS1) is streamed here, the kernel console (ttyS0) goes
to console.log; a writable share (.cache/bed/runs/ID/out, /bed in the guest)
carries the command in and its exit code and results out. This script exits with the command's
exit code, or 125 with a one-line reason when the guest could not run it. qemu is always killed.

  run.py [--systemd] [--timeout S] [-c 'shell command' | -- ARGV...]
  run.py --pytest [PYTEST ARGS...]   # plain boot for tests/integration, systemd boot for its
                                     # systemd/ folder; only the boots the selection needs
  run.py --shell [--systemd]         # interactive shell in the guest (Ctrl-D powers it off)

Runs on CPython 3.6 (the .venv) or any newer python3.
"""
import argparse
import ctypes
import fcntl
import os
import select
import shlex
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CACHE = os.environ.get("BED_CACHE", os.path.join(REPO, ".cache", "bed"))
QEMU = "qemu-system-x86_64"
BED_FAILED = 125
SYSTEMD_TESTS = "tests/integration/systemd"
KEEP_RUNS = 8  # results folders kept under .cache/bed/runs
# Guests running at once on this host (each qemu: ~2 busy cores and up to ~4.5 GB RSS); more wait.
# The slots are the host's, not a checkout's: worktrees and clones share them.
SLOTS = int(os.environ.get("BED_SLOTS", "2"))
SLOT_DIR = os.environ.get("BED_SLOT_DIR", "/tmp/pool-guardian-bed-slots")


class BedError(Exception):
    """The guest could not run the command; the message is the one-line reason."""


def log(msg):
    sys.stderr.write("test bed: %s\n" % msg)
    sys.stderr.flush()


def build():
    """Build or reuse the cached kernel, modules and initramfs (no-op when inputs are unchanged)."""
    if subprocess.call(["bash", os.path.join(HERE, "build.sh")]) != 0:
        raise BedError("building the boot files failed (see above)")
    with open(os.path.join(CACHE, "kver")) as f:
        return f.read().strip()


def new_run_dir():
    runs = os.path.join(CACHE, "runs")
    os.makedirs(runs, exist_ok=True)
    # Old runs: keep the last few results; never touch a run another bed process is using.
    old = sorted(d for d in os.listdir(runs) if os.path.isdir(os.path.join(runs, d)))
    for d in old[:-KEEP_RUNS]:
        pid = d.rsplit("-", 1)[-1]
        if pid.isdigit() and not os.path.exists("/proc/%s" % pid):
            shutil.rmtree(os.path.join(runs, d), ignore_errors=True)
    run = os.path.join(runs, "%s-%d" % (time.strftime("%Y%m%d-%H%M%S"), os.getpid()))
    os.makedirs(os.path.join(run, "out"))
    return run


def take_slot():
    """Block until one of SLOTS guest slots is free; the slot is held until this process exits."""
    os.makedirs(SLOT_DIR, exist_ok=True)
    waited = False
    while True:
        for i in range(SLOTS):
            f = open(os.path.join(SLOT_DIR, "slot-%d" % i), "a+")
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return f
            except OSError:
                f.close()
        if not waited:
            log("%d guest(s) already running on this host (BED_SLOTS=%d); waiting for one to finish" % (SLOTS, SLOTS))
            waited = True
        time.sleep(2)


def die_with_parent():
    """preexec for qemu: SIGKILL it if this runner dies, even by SIGKILL."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def qemu_argv(run, kver, args):
    if REPO != shlex.quote(REPO) or " " in REPO:
        raise BedError("the checkout path %r has characters the kernel command line cannot carry" % REPO)
    append = " ".join([
        "console=ttyS0", "loglevel=6", "panic=-1", "rw",
        "bed_repo=" + REPO, "bed_mode=" + ("systemd" if args.systemd else "plain"),
    ])
    if args.systemd:
        # Quiet systemd's own status lines; keep its failures.
        append += " systemd.show_status=false systemd.log_level=warning systemd.log_target=console"
    return [
        QEMU, "-accel", "tcg,thread=multi,tb-size=512", "-smp", str(args.cpus), "-cpu", "max",
        "-m", args.memory, "-nodefaults", "-display", "none", "-no-reboot",
        # ttyS0: kernel and systemd console, to console.log; ttyS1: the command's own terminal.
        "-chardev", "file,id=con,path=%s" % os.path.join(run, "console.log"), "-serial", "chardev:con",
        "-chardev", "stdio,id=cmd,signal=off", "-serial", "chardev:cmd", "-monitor", "none",
        "-kernel", os.path.join(CACHE, "vmlinuz"), "-initrd", os.path.join(CACHE, "initramfs.gz"),
        "-append", append,
        "-virtfs", "local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap",
        # The checkout again on its own: it may live under /tmp, which the guest covers with a tmpfs.
        "-virtfs", "local,path=%s,mount_tag=bedrepo,security_model=passthrough,readonly=on,multidevs=remap" % REPO,
        "-virtfs", "local,path=%s,mount_tag=bedout,security_model=passthrough" % os.path.join(run, "out"),
        "-drive", "file=%s,if=virtio,format=raw,cache=unsafe,discard=unmap" % os.path.join(run, "disk.img"),
    ]


def boot(script, args):
    """Boot one guest that runs `script` (bash) in the checkout; return its exit code."""
    if not shutil.which(QEMU):
        raise BedError("%s not found; run make setup" % QEMU)
    kver = build()
    run = new_run_dir()
    out = os.path.join(run, "out")
    with open(os.path.join(out, "cmd"), "w") as f:
        f.write(script + "\n")
    # Sparse scratch disk: costs host disk only for what the guest writes; deleted afterwards.
    with open(os.path.join(run, "disk.img"), "wb") as f:
        f.truncate(args.disk_gb << 30)

    argv = qemu_argv(run, kver, args)
    slot = take_slot()  # held until the guest is gone
    log("booting %s guest (kernel %s, -m %s, timeout %ds; logs in %s)"
        % ("systemd" if args.systemd else "plain", kver, args.memory, args.timeout, os.path.relpath(run, REPO)))
    start = time.time()
    output = open(os.path.join(run, "output.log"), "wb")
    stdin = None if args.shell else subprocess.DEVNULL
    proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            preexec_fn=die_with_parent, start_new_session=not args.shell)
    started = False
    last_lines = []
    pending = b""
    try:
        fd = proc.stdout.fileno()
        while True:
            now = time.time()
            if now - start > args.timeout:
                raise BedError("guest timed out after %ds; %s" % (args.timeout, console_hint(run)))
            if not started and now - start > args.boot_timeout:
                raise BedError("guest did not reach the test command within %ds; %s"
                               % (args.boot_timeout, console_hint(run)))
            ready, _, _ = select.select([fd], [], [], 1.0)
            if not ready:
                continue
            data = os.read(fd, 65536)
            if not data:
                break
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            output.write(data)
            pending += data
            *lines, pending = pending.split(b"\n")
            for line in lines:
                text = line.decode("utf-8", "replace").strip("\r")
                last_lines = (last_lines + [text])[-20:]
                if not started and text.startswith("[bed] running the command"):
                    started = True
                    log("guest ready after %.1fs" % (time.time() - start))
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        output.close()
        slot.close()
        try:
            os.unlink(os.path.join(run, "disk.img"))
        except OSError:
            pass
    elapsed = time.time() - start
    try:
        with open(os.path.join(out, "rc")) as f:
            rc = int(f.read().strip())
    except (OSError, ValueError):
        if proc.returncode not in (0, None):
            raise BedError("qemu exited with %d: %s" % (proc.returncode, last_lines[-1] if last_lines else "?"))
        raise BedError("guest stopped without reporting an exit code; %s" % console_hint(run))
    log("guest finished in %.1fs, command exit code %d (results: %s)" % (elapsed, rc, os.path.relpath(out, REPO)))
    return rc


def console_hint(run):
    """The most telling line of the guest's console (ttyS0) for a one-line error."""
    path = os.path.join(run, "console.log")
    try:
        with open(path, "rb") as f:
            lines = [l.decode("utf-8", "replace").strip() for l in f.read().splitlines() if l.strip()]
    except OSError:
        lines = []
    for pattern in ("bed-init: FAILED", "Kernel panic", "emergency", "Failed to"):
        hits = [l for l in lines if pattern in l]
        if hits:
            return "console: %s" % hits[-1][-200:]
    return "console: %s (%s)" % ((lines[-1][-200:] if lines else "empty"), os.path.relpath(path, REPO))


def pytest_boots(pytest_args):
    """Split a pytest selection into (plain, systemd) runs; None where a boot is not needed."""
    # Paths pick the boots; everything else (-x, -k EXPR, --durations=0 ...) goes to each run.
    is_path = [a.startswith("tests/") or "::" in a or a.endswith(".py") for a in pytest_args]
    paths = [a for a, p in zip(pytest_args, is_path) if p]
    opts = [a for a, p in zip(pytest_args, is_path) if not p]
    base = [".venv/bin/python", "-m", "pytest", "-v", "-p", "no:cacheprovider"] + opts
    if not paths:
        return (base + ["tests/integration", "--ignore=" + SYSTEMD_TESTS], base + [SYSTEMD_TESTS])
    sysd = [p for p in paths if p.startswith(SYSTEMD_TESTS)]
    plain = [p for p in paths if not p.startswith(SYSTEMD_TESTS)]
    return (base + plain if plain else None, base + sysd if sysd else None)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--systemd", action="store_true", help="boot with the host's systemd as PID 1")
    p.add_argument("--shell", action="store_true", help="interactive bash in the guest")
    p.add_argument("--pytest", action="store_true", help="run pytest in as few boots as needed")
    p.add_argument("-c", dest="script", help="shell command to run in the guest")
    p.add_argument("--timeout", type=int, default=int(os.environ.get("BED_TIMEOUT", "1800")),
                   help="seconds per guest, from boot to power-off (default 1800, env BED_TIMEOUT)")
    p.add_argument("--boot-timeout", type=int, default=180)
    p.add_argument("--memory", default=os.environ.get("BED_MEMORY", "3G"))
    p.add_argument("--cpus", type=int, default=2)
    p.add_argument("--disk-gb", type=int, default=16, help="sparse scratch disk size")
    p.add_argument("argv", nargs=argparse.REMAINDER)
    args = p.parse_args()
    argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv

    # Ctrl-C and SIGTERM unwind through boot()'s finally, which kills qemu.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    try:
        if args.pytest:
            plain, sysd = pytest_boots(argv)
            rcs = []
            for cmd, systemd in ((plain, False), (sysd, True)):
                if cmd:
                    args.systemd = systemd
                    try:
                        rcs.append(boot(" ".join(shlex.quote(a) for a in cmd), args))
                    except BedError as e:   # still run the other boot; fail at the end
                        log(str(e))
                        rcs.append(BED_FAILED)
            if len(rcs) > 1:
                log("plain boot exit %d, systemd boot exit %d" % tuple(rcs))
            return next((rc for rc in rcs if rc), 0)
        if args.shell:
            args.timeout = max(args.timeout, 24 * 3600)
            return boot('exec setsid -c bash -l <"$BED_TTY" >"$BED_TTY" 2>&1', args)
        if args.script:
            return boot(args.script, args)
        if not argv:
            p.error("give a command: -c 'SCRIPT' or -- ARGV...")
        return boot(" ".join(shlex.quote(a) for a in argv), args)
    except BedError as e:
        log(str(e))
        return BED_FAILED
    except KeyboardInterrupt:
        log("interrupted; qemu killed")
        return 130


if __name__ == "__main__":
    sys.exit(main())
