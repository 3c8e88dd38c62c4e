"""pool-guardian as a CentOS 7 operator runs it: the RPM's payload, /usr/bin/pool-guardian on
CPython 3.6, started by the shipped pool-guardian.service with only what systemd 219 gives a
service (el7.py says how the guest is made so), dockerd with MountFlags=slave, on a host with a
realistic mess. Every rung is proved through the service, and the README's journal recipes are
the ones run here.

The tests run in order on one host (one climb is expensive under TCG); each names what it proves.
"""
import json
import os
import re
import signal
import subprocess

import pytest

from tests.integration.bedlib import REPO, out, run, sh
from tests.integration.bedlib.docker import IMAGE
from tests.integration.bedlib.pools import suspended_devices
from tests.integration.systemd import el7
from tests.integration.systemd.el7 import (docker, journal, leak_a_dead_container, pool_usage, show, unit_journal,
                                           wait_for, write_in)

MiB = 1 << 20
METRICS = "/var/lib/node_exporter/textfile_collector/pool_guardian.prom"     # the default path
RUNGS = ("prune_containers", "release_mounts", "fstrim", "prune_images", "grow")
FINISHED, PARTLY, FAILED = ("dc0d0db8e3ed4182b065d1b6a4742937", "e53306e888ed46a891a7f60ad92d1017",
                            "74ecea201e434a218f84569da2c891ad")
# A UTF-8 comment: cron, NRPE and a unit without Environment=LANG run with LANG=C.
CONFIG = """\
# Pool-Wächter für Docker — managed by the ops team
mode: enforce
watermarks:
  data:
    warning: {warning}%
    high: {high}%
    low: {low}%
    critical: {critical}%
schedule:
  poll_interval: 10s
ladder:
  prune_containers:
    grace: 10s
  release_mounts:
    enabled: true
  prune_images:
    enabled: true
    unused_for: 1m
  grow:
    enabled: true
    min_step: 512M
"""


def make_mess(pool):
    """Running containers (one labelled keep), exited ones past their grace, a labelled exited one,
    a running container that wrote and deleted data, a dead container whose mount leaked into
    another mount namespace, an unused image. Returns the share of the pool that nothing may
    free (what the kept containers hold), measured before the rest is made."""
    # first, so that it is over prune_images' unused_for (1m, the least allowed) when the climb comes
    docker("run", "--name", "builder", IMAGE, "dd", "if=/dev/zero", "of=/blob", "bs=1M", "count=20", "conv=fsync")
    docker("commit", "builder", "bed/unused:1")
    docker("rm", "builder")
    docker("run", "-d", "--name", "keep-running", "--label", "pool-guardian.keep=true", IMAGE, "sleep", "1000000")
    write_in("keep-running", "data", 200)
    docker("run", "--name", "kept", "--label", "pool-guardian.keep=true", IMAGE, "dd", "if=/dev/zero", "of=/fill",
           "bs=1M", "count=40", "conv=fsync")
    docker("run", "-d", "--name", "app", IMAGE, "sleep", "1000000")
    used, total = pool_usage(pool)
    write_in("app", "scratch", 150)
    docker("exec", "app", "sh", "-c", "rm /scratch && sync")
    for n in (1, 2, 3):
        docker("run", "--name", "old-{}".format(n), IMAGE, "dd", "if=/dev/zero", "of=/fill", "bs=1M", "count=60",
               "conv=fsync")
    return 100.0 * used / total


def write_config(kept_percent):
    """The high mark under what the kept containers hold: the rungs that remove cannot get the
    pool under it, so the climb ends with grow."""
    high = int(kept_percent) - 4
    with open(el7.CONFIG, "w", encoding="utf-8") as f:
        f.write(CONFIG.format(warning=high - 1, high=high, low=2, critical=high + 1))


@pytest.fixture(scope="module")
def host():
    previous_python = el7.install()
    holder = None
    try:
        el7.start_docker()
        pool = json.loads(docker("info", "--format", "{{json .DriverStatus}}").stdout)
        pool = dict(pool)["Pool Name"]
        write_config(make_mess(pool))
        holder, leaked_device = leak_a_dead_container()
        data_file = os.path.join(el7.DOCKER_ROOT, "devicemapper", "devicemapper", "data")
        before = {"data_file": os.path.getsize(data_file), "used": pool_usage(pool)}
        sh("journalctl --rotate && journalctl --vacuum-time=1s", check=False)
        sh("mkdir -p " + os.path.dirname(METRICS))     # node_exporter's textfile directory, as set up
        try:
            sh("systemctl start " + el7.UNIT, timeout=240)      # returns at READY=1
            climbed = wait_for(lambda: unit_journal("RUNG=grow", "EVENT=action.finished"), 600,
                               "the climb to reach grow", interval=3)
        except AssertionError:
            print(out("systemctl status -l --no-pager {0}; journalctl -u {0} --no-pager -n 60".format(el7.UNIT),
                      check=False))
            raise
        yield {"pool": pool, "holder": holder, "leaked_device": leaked_device, "before": before,
               "data_file": data_file, "grow": climbed[0]}
    finally:
        if holder is not None:
            holder.kill()
            holder.wait()
        el7.uninstall(previous_python)
        el7.stop_docker()


def actions():
    """The service's action entries, in order."""
    return [e for e in unit_journal() if e.get("MESSAGE_ID") in (FINISHED, PARTLY, FAILED) and e.get("RUNG") in RUNGS]


def test_the_service_is_the_rpms_launcher_on_python_36_without_systemd_231_variables(host):
    pid = show("MainPID")
    with open("/proc/{}/environ".format(pid), "rb") as f:
        names = {item.split(b"=", 1)[0] for item in f.read().split(b"\0") if item}
    assert b"JOURNAL_STREAM" not in names and b"INVOCATION_ID" not in names
    assert b"NOTIFY_SOCKET" in names and b"WATCHDOG_USEC" in names
    assert os.path.realpath("/proc/{}/exe".format(pid)) == os.path.realpath(el7.PYTHON36[-1])
    assert out("cat /proc/{}/cmdline | tr '\\0' ' '".format(pid)).startswith("/usr/bin/python3 -I /usr/bin/pool-guardian run")
    started = unit_journal("EVENT=daemon.started")
    assert started and started[0]["MESSAGE_ID"] == "b598ac97f739478b98488ec505c5419b"


def test_one_climb_runs_every_rung_until_the_pool_is_below_its_low_marks(host):
    done = actions()
    assert [e["RUNG"] for e in done] == list(RUNGS), [(e["RUNG"], e["MESSAGE"]) for e in done]
    by_rung = {e["RUNG"]: e for e in done}
    # the dead container's removal failed busy: prune is partly done, and not backed off
    assert by_rung["prune_containers"]["MESSAGE_ID"] == PARTLY, by_rung["prune_containers"]["MESSAGE"]
    assert by_rung["prune_containers"]["REMOVED"] == "3" and "leaky" in by_rung["prune_containers"]["MESSAGE"]
    for rung in RUNGS[1:]:
        assert by_rung[rung]["MESSAGE_ID"] == FINISHED, (rung, by_rung[rung]["MESSAGE"])
    assert int(by_rung["fstrim"]["RETURNED_BYTES"]) >= 100 * MiB, by_rung["fstrim"]["MESSAGE"]
    assert by_rung["grow"]["OUTCOME"] == "done", by_rung["grow"]["MESSAGE"]


def test_what_must_be_kept_is_kept_and_the_rest_is_gone(host):
    names = set(docker("ps", "-a", "--format", "{{.Names}}").stdout.split())
    assert names == {"keep-running", "app", "kept"}
    running = set(docker("ps", "--format", "{{.Names}}").stdout.split())
    assert running == {"keep-running", "app"}
    assert docker("image", "inspect", "bed/unused:1", check=False).returncode != 0
    assert host["holder"].poll() is None, "release_mounts killed the holder"
    with open("/proc/{}/mountinfo".format(host["holder"].pid)) as f:
        assert "/dev/mapper/{} ".format(host["leaked_device"]) not in f.read()


def test_grow_made_the_loop_file_and_the_pool_bigger(host):
    assert os.path.getsize(host["data_file"]) >= host["before"]["data_file"] + 512 * MiB
    assert pool_usage(host["pool"])[1] > host["before"]["used"][1]
    assert out("dmsetup status " + host["pool"]).split()[7] == "rw"


def test_the_service_writes_metrics_that_promtool_accepts_with_the_climb_counted(host):
    run(["promtool", "check", "metrics"], input=open(METRICS).read())
    with open(METRICS) as f:
        text = f.read()
    assert re.search(r'pool_guardian_actions_total\{[^}]*rung="fstrim"[^}]*\} [1-9]', text), text[:2000]
    grown = re.search(r'pool_guardian_grown_bytes_total\{resource="data"\} (\S+)', text)
    assert grown and float(grown.group(1)) >= 512 * MiB, text[:2000]


def test_ready_came_at_the_first_look_before_any_rung(host):
    ready = unit_journal("EVENT=daemon.ready")
    first_action = actions()[0]
    assert len(ready) == 1
    assert int(ready[0]["__REALTIME_TIMESTAMP"]) < int(first_action["__REALTIME_TIMESTAMP"])


def readme_recipes():
    """The journalctl lines of the README's journal section, in order."""
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as f:
        text = f.read()
    section = text.split("<!-- journal recipes: run by tests/integration/systemd/test_as_installed.py -->")[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.startswith("journalctl ")]


def run_recipe(recipe):
    """The recipe as written; as JSON (the last -o wins) unless it asks for the catalog's texts."""
    sh("journalctl --sync", check=False)
    as_json = [] if "-x" in recipe.split() else ["-o", "json"]
    return run(recipe.split() + ["--no-pager"] + as_json, check=False)


def test_the_readme_journal_recipes_find_what_the_climb_did(host):
    recipes = readme_recipes()
    assert len(recipes) >= 8
    sh("pool-guardian rescue mount kept --docker-root {0} && pool-guardian rescue umount kept --docker-root {0}".format(
        el7.DOCKER_ROOT), timeout=300)
    for recipe in recipes:
        result = run_recipe(recipe)
        assert result.returncode == 0, (recipe, result.stderr)
        entries = [json.loads(l) for l in result.stdout.splitlines() if l.startswith("{")]
        expect_recipe(recipe, entries, result.stdout)


def expect_recipe(recipe, entries, text):
    """What each README recipe must show on this host after the climb."""
    ids = set(re.findall(r"MESSAGE_ID=(\w+)", recipe))
    if "-x" in recipe.split():
        assert "partly" in text and "pool-guardian busy CONTAINER" in text, (recipe, text[-800:])
        return
    if ids & {"2b3787b5c59f4494b13ec8a52adf461e", FAILED, "7f51a33787af4c87a41e627a9b39ecd8"}:
        assert entries == [], (recipe, entries)         # healthy pool, no failure, no refused config yet
        return
    assert entries, "no entry for: " + recipe
    for entry in entries:
        assert not ids or entry["MESSAGE_ID"] in ids
        for key, value in re.findall(r"\b([A-Z_]+)=(\S+)", recipe):
            assert entry.get(key) == value, (recipe, key, entry.get(key))
    if "RUNG=fstrim" in recipe:
        assert int(entries[-1]["RETURNED_BYTES"]) > 0
    if "-t pool-guardian" in recipe:
        assert [e["TOOL"] for e in entries] == ["rescue mount", "rescue umount"], entries


def test_an_operators_trim_by_hand_writes_the_same_action_entry_to_the_journal(host):
    run(["pool-guardian", "trim"], timeout=300)
    by_hand = [e for e in journal("-t", "pool-guardian", "RUNG=fstrim") if e.get("_SYSTEMD_UNIT") != el7.UNIT]
    assert by_hand and by_hand[-1]["MESSAGE_ID"] in (FINISHED, PARTLY), by_hand


def test_check_runs_as_nrpe_runs_it_through_sudo_with_lang_c_and_no_tty(host):
    env = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "LANG": "C"}
    proc = subprocess.run(["sudo", "-n", "/usr/bin/pool-guardian", "check"], stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    line = proc.stdout.decode()
    assert proc.returncode in (0, 1, 2), (proc.returncode, line, proc.stderr.decode())
    assert line.count("\n") == 1 and line.startswith("POOL ") and "|" in line, line


def test_reload_with_a_refused_file_fails_visibly_and_keeps_the_old_config(host):
    pid = show("MainPID")
    with open(el7.CONFIG, encoding="utf-8") as f:
        good = f.read()
    with open(el7.CONFIG, "w", encoding="utf-8") as f:
        f.write(good.replace("mode: enforce", "mode: enforcee"))
    try:
        reload = sh("systemctl reload " + el7.UNIT, check=False, timeout=120)
        assert reload.returncode != 0
        refused = unit_journal("MESSAGE_ID=7f51a33787af4c87a41e627a9b39ecd8")
        assert refused and "mode: expected one of observe, dry-run, enforce, got 'enforcee'" in refused[-1]["MESSAGE"]
        assert refused[-1]["PRIORITY"] == "3"
        assert show("ActiveState") == "active" and show("MainPID") == pid
        assert not unit_journal("EVENT=config.loaded", "_PID=" + pid)[1:]      # only the start's
    finally:
        with open(el7.CONFIG, "w", encoding="utf-8") as f:
            f.write(good)


def test_kill_9_of_the_main_pid_is_restarted_and_ready_again(host):
    pid = int(show("MainPID"))
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: show("MainPID") not in ("0", str(pid)) and show("ActiveState") == "active", 120,
             "systemd to restart the daemon", interval=0.5)
    assert int(show("NRestarts")) >= 1
    wait_for(lambda: len(unit_journal("EVENT=daemon.ready")) == 2, 120, "READY again")


def test_the_restarted_service_exports_who_uses_the_pool_by_name_and_releases_its_snapshot(host):
    """At its start (after the climb, the pool under its high marks since grow), the daemon reads
    thin_ls on a metadata snapshot: the biggest containers by name, at most top_consumers (10) a kind."""
    def named():
        text = open(METRICS).read() if os.path.exists(METRICS) else ""
        return re.findall(r'pool_guardian_consumer_exclusive_bytes\{id="(\w+)",kind="(\w+)",name="([^"]*)"\} (\S+)',
                          text) and text
    text = wait_for(named, 180, "the usage series after the restart", interval=2)
    consumers = re.findall(r'pool_guardian_consumer_exclusive_bytes\{id="(\w+)",kind="(\w+)",name="([^"]*)"\} (\S+)',
                           text)
    containers = [(name, float(size)) for _, kind, name, size in consumers if kind == "container"]
    assert containers[0][0] == "keep-running" and containers[0][1] >= 200 * MiB, containers
    assert len(containers) <= 10 and sum(1 for c in consumers if c[1] == "image_layer") <= 10, consumers
    devices = re.search(r"^pool_guardian_thin_devices (\d+)$", text, re.M)
    assert devices and int(devices.group(1)) > len(consumers), text[-1500:]
    run(["promtool", "check", "metrics"], input=text)
    assert out("dmsetup status " + host["pool"]).split()[6] == "-"         # no metadata snapshot left held
    failed = [e["MESSAGE"] for e in unit_journal("EVENT=usage.not_read") if e["PRIORITY"] != "6"]
    assert not failed, failed


def test_systemctl_stop_mid_ladder_leaves_no_pool_suspended(host):
    """Marks moved under the usage and the daemon told to reload: it climbs again (its memory died
    with the kill above), and is stopped as soon as the climb has begun."""
    with open(el7.CONFIG, "w", encoding="utf-8") as f:
        f.write(CONFIG.format(warning=1, high=2, low=1, critical=99))
    seen = len(actions())
    sh("systemctl reload " + el7.UNIT, timeout=120)
    wait_for(lambda: len(actions()) > seen, 300, "the new climb's first rung", interval=0.2)
    stopped = sh("systemctl stop " + el7.UNIT, check=False, timeout=120)
    print("stopped after:", [(e["RUNG"], e["MESSAGE"]) for e in actions()[seen:]])
    assert stopped.returncode == 0
    assert not suspended_devices(), suspended_devices()
    assert out("dmsetup status " + host["pool"]).split()[7] == "rw"
    assert show("ActiveState") == "inactive", show("ActiveState")
    sh("systemctl start " + el7.UNIT, timeout=240)             # recover at start: the pool is sound
    assert show("ActiveState") == "active"
    assert not suspended_devices()
