"""Docker's shape of thin devices, bare (no Docker, no filesystem): images, layers that snapshot
the one below, containers that snapshot the top layer, each writing into what it shares.

Each round is an "image", a fresh thin device written in full (its base layer), LAYERS layers each
a snapshot of the one below with every LAYER_EVERY-th block rewritten, and CONTAINERS "containers",
snapshots of the top layer with every CONTAINER_EVERY-th block rewritten. Each device is made with a
dmsetup message, activated, written with pwrite + fsync (in a child process, under a timeout) and
deactivated: a snapshot's origin is never active when it is taken, as Docker deactivates its
layers. A write into a shared btree leaf copies the leaf, so snapshots cost metadata per data
block many times what a lone device does.
"""
import subprocess
import sys
import time

from . import sh
from .pools import parse_pool_status

BLOCK = 64 * 1024
IMAGE_BLOCKS = 1024                     # 64 MiB per image
LAYERS, LAYER_EVERY = 2, 8
CONTAINERS, CONTAINER_EVERY = 4, 16
WRITER = """
import os, sys
path, every, offset = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
buf = os.urandom({block})
fd = os.open(path, os.O_WRONLY)
for block in range(offset % every, {blocks}, every):
    os.pwrite(fd, buf, block * {block})
os.fsync(fd)
os.close(fd)
""".format(block=BLOCK, blocks=IMAGE_BLOCKS)


class OutOfMetadata(Exception):
    """The pool ran out: the kernel said so, or a write or a message failed."""


class LayeredFill:
    """Rounds of image + layers + containers into one pool (a ThinPool); a sample after every
    device, and after_device() called after each."""

    def __init__(self, pool, after_device=None):
        self.pool, self.next_id, self.samples = pool, 0, []
        self.after_device = after_device or (lambda: None)

    def sample(self, what):
        s = parse_pool_status(sh("dmsetup status " + self.pool.name).stdout)
        row = {"t": time.time(), "what": what, "meta_used": s["metadata_used_blocks"],
               "meta_total": s["metadata_total_blocks"], "data_used": s["data_used_blocks"],
               "data_total": s["data_total_blocks"], "mode": s["mode"], "needs_check": s["needs_check"]}
        self.samples.append(row)
        return row

    def device(self, what, origin, every, offset):
        """Make a thin device (or a snapshot of origin), write into it, deactivate it; its id."""
        dev, self.next_id = self.next_id, self.next_id + 1
        message = "create_thin {}".format(dev) if origin is None else "create_snap {} {}".format(dev, origin)
        made = sh("dmsetup message {} 0 '{}'".format(self.pool.name, message), check=False)
        if made.returncode:
            raise OutOfMetadata("{}: {}".format(message, made.stderr.strip()))
        name = "{}-d{}".format(self.pool.name, dev)
        sh("dmsetup create {} --table '0 {} thin {} {}'".format(name, IMAGE_BLOCKS * BLOCK // 512, self.pool.path, dev))
        try:
            wrote = subprocess.run(["timeout", "300", sys.executable, "-c", WRITER, "/dev/mapper/" + name,
                                    str(every), str(offset)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   universal_newlines=True)
        finally:
            sh("dmsetup remove --retry " + name, check=False)
        row = self.sample(what)
        if wrote.returncode or row["mode"] != "rw" or row["meta_used"] >= row["meta_total"]:
            raise OutOfMetadata("{} dev {}: writer rc {} {}; pool {} metadata {}/{}".format(
                what, dev, wrote.returncode, wrote.stdout.strip()[-200:], row["mode"], row["meta_used"],
                row["meta_total"]))
        self.after_device()
        return dev

    def round(self, n):
        top = self.device("image", None, 1, 0)
        for layer in range(LAYERS):
            top = self.device("layer", top, LAYER_EVERY, n + layer)
        for container in range(CONTAINERS):
            self.device("container", top, CONTAINER_EVERY, n + container)

    def fill(self, until_percent=100.0, rounds=1000):
        """Rounds until data reaches until_percent or has no room for two more images; raises
        OutOfMetadata when metadata runs out first."""
        for n in range(rounds):
            last = self.samples[-1] if self.samples else self.sample("empty")
            if data_percent(last) >= until_percent or last["data_total"] - last["data_used"] < IMAGE_BLOCKS * 2:
                return
            self.round(n)


def data_percent(row):
    return 100.0 * row["data_used"] / row["data_total"]
