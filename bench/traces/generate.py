"""Writes the replay traces (bench/traces/*.jsonl) from a seed: `python3 bench/traces/generate.py`.

The output is committed; bench/replay.py reads only the .jsonl files. Each file: a header line
({"trace", "seed", "duration", "images": {name: MiB}}), then one operation a line, in time order:
  {"t": seconds from the start, "op": ..., params}
  import  image                      docker import of the busybox rootfs plus a blob of the image's MiB
  start   name image [keep]          a long-running container (sleep)
  run     name image mb [keep]       a container that writes mb MiB (dd conv=fsync) and exits; it stays
  fill    name file mb               write mb MiB into a running container's filesystem
  purge   name file                  delete it again (the blocks stay in the pool until an fstrim)
  stop    name                       stop a running container (it stays, exited)
  leak    name                       bind its filesystem in another mount namespace, stop it, `docker rm`
                                     it (fails busy: the container is Dead and holds its blocks)
  burst   names image mb             the containers of `run`, all at once
keep: the container is labelled pool-guardian.keep=true and must never be removed.
"""
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


class Trace:
    def __init__(self, name, seed, duration):
        self.name, self.seed, self.duration = name, seed, duration
        self.rng = random.Random(seed)
        self.images, self.ops, self.serial = {}, [], 0

    def add(self, t, op, **params):
        self.ops.append(dict(t=round(t, 1), op=op, **params))

    def image(self, t, name, mb):
        self.images[name] = mb
        self.add(t, "import", image=name)

    def new_name(self, prefix):
        self.serial += 1
        return "{}-{}".format(prefix, self.serial)

    def mb(self, low, high, step=10):
        return self.rng.randrange(low, high + 1, step)

    def write(self):
        path = os.path.join(HERE, self.name + ".jsonl")
        with open(path, "w") as f:
            f.write(json.dumps(dict(trace=self.name, seed=self.seed, duration=self.duration,
                                    images=self.images), sort_keys=True) + "\n")
            for op in sorted(self.ops, key=lambda o: o["t"]):
                f.write(json.dumps(op, sort_keys=True) + "\n")
        return path


def services_fill_and_purge(tr, names, start, end, every, low, high, hold):
    """Each service writes a file every `every` s (jittered) and deletes it `hold` s later."""
    for name in names:
        t = start + tr.rng.uniform(0, every)
        while t + hold < end:
            f = "/data-{}".format(int(t))
            tr.add(t, "fill", name=name, file=f, mb=tr.mb(low, high))
            tr.add(t + hold * tr.rng.uniform(0.7, 1.3), "purge", name=name, file=f)
            t += every * tr.rng.uniform(0.8, 1.2)


def smoke(seed=1):
    """One minute, one of every operation: for developing the replayer."""
    tr = Trace("smoke", seed, 60)
    tr.image(0, "app", 20)
    tr.add(2, "start", name="svc-1", image="app")
    tr.add(2, "start", name="svc-2", image="app", keep=True)
    tr.add(12, "fill", name="svc-1", file="/data-1", mb=60)
    tr.add(20, "run", name="job-1", image="app", mb=40, keep=True)
    tr.add(22, "purge", name="svc-1", file="/data-1")
    tr.add(25, "fill", name="svc-2", file="/data-2", mb=400)    # more than its own filesystem
    tr.add(30, "leak", name="svc-1")
    tr.add(36, "burst", names=["b-1", "b-2", "b-3"], image="app", mb=30)
    tr.add(50, "stop", name="svc-2")
    return tr


def steady(seed=11):
    """A steady service host: three long-running services writing logs and rotating them away
    (only an fstrim returns those blocks), a labelled migration job, a maintenance job now and then,
    and one service that fills its own filesystem."""
    tr = Trace("steady", seed, 270)
    tr.image(0, "web", 40)
    tr.image(0, "db", 40)
    tr.image(1, "tools", 20)
    tr.add(4, "start", name="web-1", image="web")
    tr.add(4, "start", name="web-2", image="web")
    tr.add(5, "start", name="db-1", image="db", keep=True)
    tr.add(20, "run", name="migrate-1", image="db", mb=60, keep=True)
    services_fill_and_purge(tr, ["web-1", "web-2"], 25, 260, 45, 60, 110, 30)
    t = 40.0
    while t < 255:
        tr.add(t, "run", name=tr.new_name("cron"), image="tools", mb=tr.mb(30, 60))
        t += tr.rng.uniform(35, 55)
    tr.add(150, "fill", name="db-1", file="/dump", mb=400)   # its own 360 MiB filesystem fills first
    tr.add(185, "purge", name="db-1", file="/dump")
    return tr


def ci(seed=22):
    """A CI runner: many short jobs on a few images that change over the trace (new versions
    imported, old ones still used by some jobs), a burst when a pipeline fans out, a labelled
    runner agent and a labelled cache container."""
    tr = Trace("ci", seed, 270)
    tr.image(0, "build-v1", 30)
    tr.image(0, "test-v1", 30)
    tr.add(4, "start", name="runner", image="build-v1", keep=True)
    tr.add(8, "run", name="cache", image="build-v1", mb=50, keep=True)
    versions = {"build": 1, "test": 1}
    t = 15.0
    while t < 255:
        kind = tr.rng.choice(["build", "test"])
        if tr.rng.random() < 0.12 and t < 230:
            versions[kind] += 1
            tr.image(t, "{}-v{}".format(kind, versions[kind]), tr.mb(20, 40))
            t += 3
        v = versions[kind] if tr.rng.random() < 0.75 else tr.rng.randint(1, versions[kind])
        tr.add(t, "run", name=tr.new_name("job"), image="{}-v{}".format(kind, v), mb=tr.mb(20, 60))
        t += tr.rng.uniform(6, 11)
    for t in (70, 160, 235):
        kind = tr.rng.choice(["build", "test"])
        tr.add(t, "burst", names=[tr.new_name("fan") for _ in range(3)], image="test-v1", mb=tr.mb(30, 50))
    return tr


def leaky(seed=33):
    """A host with leaking mounts: an agent binds two containers' filesystems into its own
    namespace; they die holding their blocks. Services write and rotate, jobs exit and pile up."""
    tr = Trace("leaky", seed, 270)
    tr.image(0, "svc", 30)
    tr.image(0, "batch", 20)
    for i, keep in ((1, True), (2, False), (3, False), (4, False)):
        tr.add(3 + i, "start", name="svc-{}".format(i), image="svc", keep=keep)
    tr.add(20, "fill", name="svc-3", file="/state", mb=140)
    tr.add(30, "fill", name="svc-4", file="/state", mb=120)
    tr.add(70, "leak", name="svc-3")
    tr.add(150, "leak", name="svc-4")
    services_fill_and_purge(tr, ["svc-1", "svc-2"], 35, 260, 50, 60, 100, 25)
    tr.add(40, "run", name="report-1", image="batch", mb=50, keep=True)
    t = 50.0
    while t < 255:
        tr.add(t, "run", name=tr.new_name("batch"), image="batch", mb=tr.mb(30, 70))
        t += tr.rng.uniform(15, 25)
    tr.add(200, "burst", names=[tr.new_name("burst") for _ in range(3)], image="batch", mb=40)
    return tr


def churn(seed=44):
    """A heavy churn host: writers in bursts every half minute, images imported and replaced,
    services writing and deleting, labelled containers among the ones that exit."""
    tr = Trace("churn", seed, 270)
    tr.image(0, "app-v1", 30)
    tr.image(0, "worker", 20)
    tr.add(4, "start", name="api-1", image="app-v1")
    tr.add(5, "start", name="api-2", image="app-v1", keep=True)
    services_fill_and_purge(tr, ["api-1", "api-2"], 20, 260, 40, 50, 90, 20)
    version = 1
    t = 25.0
    while t < 250:
        if tr.rng.random() < 0.4:
            version += 1
            tr.image(t - 5, "app-v{}".format(version), tr.mb(20, 40))
        image = tr.rng.choice(["worker", "app-v{}".format(version)])
        names = [tr.new_name("w") for _ in range(tr.rng.randint(3, 4))]
        tr.add(t, "burst", names=names, image=image, mb=tr.mb(40, 70))
        t += tr.rng.uniform(25, 35)
    for t in (60, 140, 220):
        tr.add(t + tr.rng.uniform(0, 10), "run", name=tr.new_name("kept"), image="worker", mb=40, keep=True)
    return tr


if __name__ == "__main__":
    for make in (smoke, steady, ci, leaky, churn):
        print(make().write())
