"""Check, then act: prune, release_mounts and fstrim first say what they will act on and what they leave, each with
why (a RungPlan), then execute that plan. dockerd's namespace as captured in the test bed."""
import contextlib
import os
from types import SimpleNamespace

from guardian.act import mounts, prune, trim
from guardian.act.base import Chosen, RungPlan
from guardian.host.processes import Holder
from guardian.observe.holders import Hold
from guardian.observe.mountinfo import parse_mountinfo

HERE = os.path.join(os.path.dirname(__file__), "captured")
THIN = "253:2"


def dockerd_mounts():
    with open(os.path.join(HERE, "mountinfo-dockerd.txt")) as handle:
        return parse_mountinfo(handle.read(), "mountinfo-dockerd.txt")


def test_a_plan_says_what_goes_and_what_stays_on_one_line():
    plan = RungPlan("prune_containers", "remove", (Chosen("old", "exited 3.0 h ago"),), (("web", "running"),))
    assert plan.describe() == "remove: old (exited 3.0 h ago); keep: web (running)"
    assert RungPlan("fstrim", "trim", where="init's mount namespace").describe() == \
        "nothing to trim in init's mount namespace"


def test_fstrim_plans_each_of_the_pools_filesystems_once_and_says_why_it_keeps_the_others(monkeypatch):
    monkeypatch.setattr(trim, "kernel_name_of_dm", lambda pool: "dm-0")
    monkeypatch.setattr(trim, "sits_on", lambda device, pool_dev: device in (THIN, "253:7"))
    whole = [m for m in dockerd_mounts() if m.device == THIN][0]
    mounts = dockerd_mounts() + [whole._replace(mount_point="/mnt/again"),
                                 whole._replace(mount_point="/mnt/part", root="/rootfs/etc", device="253:7")]
    plan = trim.trim_plan("docker-254:0-8388741-pool", mounts, 4242)
    assert plan.items == [(4242, whole)]
    assert plan.kept == (("/mnt/again", "its filesystem is trimmed at " + whole.mount_point),
                         ("/mnt/part", "mounts only /rootfs/etc of its filesystem"))
    assert plan.describe().startswith("trim in dockerd's mount namespace: /scratch/docker-1/devicemapper/mnt/")


INSPECTS = {
    "a1": {"Id": "a1", "Name": "/old", "Config": {"Image": "busybox"},
           "State": {"Status": "exited", "FinishedAt": "2024-03-10T09:00:00Z"}},
    "b2": {"Id": "b2", "Name": "/web", "Config": {"Image": "nginx"},
           "State": {"Status": "running", "Running": True, "FinishedAt": "0001-01-01T00:00:00Z"}},
}


class Docker:
    def __init__(self, inspects=None):
        self.inspects = INSPECTS if inspects is None else inspects
        self.changes = []

    def read(self, method, *args, **kwargs):
        if method == "containers":
            return [{"Id": cid} for cid in self.inspects]
        return self.inspects[args[0]]

    def change(self, line, method, *args, **kwargs):
        self.changes.append(line)


def test_prune_containers_logs_its_plan_then_removes_what_it_planned(settings, monkeypatch):
    docker, logged = Docker(), []
    monkeypatch.setattr(prune, "docker_for", lambda ctx, section: _context(docker))
    monkeypatch.setattr(prune.time, "time", lambda: 1710072000.0)      # 2024-03-10T12:00:00Z
    log = SimpleNamespace(info=lambda event, **fields: logged.append((event, fields)), debug=lambda *a, **k: None)
    ctx = SimpleNamespace(settings=settings("ladder:\n  prune_containers:\n    grace: 1h\n"), log=log,
                          dry_run=True, should_stop=lambda: False, heartbeat=lambda: None)
    result = prune.prune_containers(None, ctx)
    assert result.summary == "would remove 1 container(s): old"
    assert logged[0][0] == "rung.planned"
    assert logged[0][1]["message"] == ("remove: old (exited 3.0 h ago); keep: web (running (only exited, dead and "
                                       "never-started containers are removed))")
    assert docker.changes == ["docker rm a1 (old)"]


@contextlib.contextmanager
def _context(value):
    yield value


LEAKED = ("412 380 253:4 / /var/lib/docker/devicemapper/mnt/bae1b2d165d9 rw,relatime - xfs "
          "/dev/mapper/docker-254:0-16908421-bae1b2d165d9 rw,nouuid")


def test_release_mounts_plans_each_dead_container_with_who_holds_it_and_leaves_the_rest(settings, monkeypatch):
    """Only Dead containers are its to plan (the others are prune_containers'); a Dead one kept by a
    label stays, with why; the holds found in the plan are the ones released."""
    dead = dict(INSPECTS["a1"], Id="d3", Name="/leaky", State={"Status": "dead", "FinishedAt": "2024-03-10T09:00:00Z"})
    labelled = dict(dead, Id="e4", Name="/keepme", Config={"Image": "busybox", "Labels": {"keep": "yes"}})
    docker = Docker(dict(INSPECTS, d3=dead, e4=labelled))
    monkeypatch.setattr(mounts, "docker_for", lambda ctx, section: _context(docker))
    holder = Hold("mnt:[4026532198]", 812, (Holder(812, "unshare -m sleep 600", ""),),
                  tuple(parse_mountinfo(LEAKED)), False)
    own = holder._replace(namespace="mnt:[4026531840]", docker_daemon=True)
    monkeypatch.setattr(mounts, "holds_of", lambda candidate: [own, holder])
    ctx = SimpleNamespace(settings=settings("ladder:\n  prune_containers:\n    keep_labels: [keep]\n"))
    plan = mounts.plan_release_mounts(None, ctx)
    assert [(c.name, c.item[1]) for c in plan.chosen] == [("leaky", (holder,))]
    assert plan.describe() == ("release and remove: leaky (mnt:[4026532198] (pid 812 unshare -m sleep 600) holds "
                               "/var/lib/docker/devicemapper/mnt/bae1b2d165d9); keep: keepme (keep label keep)")
