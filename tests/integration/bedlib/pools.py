"""Bare dm-thin pools on loop files, made with dmsetup as Docker's loop-lvm does, and thin devices."""
import itertools
import os
import subprocess
import time

from . import SCRATCH, out, sh

_serial = itertools.count(1)
SECTOR = 512


def parse_pool_status(line):
    """`dmsetup status POOL` of a thin-pool target -> dict (kernel Documentation/.../thin-provisioning)."""
    words = line.split()
    start, length, target = words[:3]
    assert target == "thin-pool", line
    if words[3] == "Fail":
        return {"length_sectors": int(length), "mode": "Fail"}
    used_meta, total_meta = (int(x) for x in words[4].split("/"))
    used_data, total_data = (int(x) for x in words[5].split("/"))
    return {
        "length_sectors": int(length), "transaction_id": int(words[3]),
        "metadata_used_blocks": used_meta, "metadata_total_blocks": total_meta,
        "data_used_blocks": used_data, "data_total_blocks": total_data,
        "held_metadata_root": words[6], "mode": words[7],
        "needs_check": "needs_check" in words[8:], "no_space_policy": words[9] if len(words) > 9 else None,
    }


class ThinPool:
    """A thin-pool target on two loop devices over sparse files in `directory`.

    block_sectors: data block size (128 = 64 KiB, Docker's default); low_water_blocks: free data
    blocks at which the kernel raises an event; error_if_no_space: fail writes instead of queueing."""

    def __init__(self, directory=SCRATCH, data_size=256 << 20, meta_size=16 << 20, block_sectors=128,
                 low_water_blocks=0, error_if_no_space=False, skip_block_zeroing=True, name=None):
        n = next(_serial)
        self.name = name or "bedpool{}-{}".format(os.getpid(), n)
        self.block_sectors = block_sectors
        self.low_water_blocks = low_water_blocks
        self.features = (["skip_block_zeroing"] if skip_block_zeroing else []) + \
            (["error_if_no_space"] if error_if_no_space else [])
        self.data_file = os.path.join(directory, self.name + ".data")
        self.meta_file = os.path.join(directory, self.name + ".meta")
        self.thins = []
        self.data_loop = self.meta_loop = None
        sh("truncate -s {} {} && truncate -s {} {}".format(data_size, self.data_file, meta_size, self.meta_file))
        self.data_loop = out("losetup -f --show " + self.data_file)
        self.meta_loop = out("losetup -f --show " + self.meta_file)
        # A fresh metadata device must start zeroed, or the kernel reads garbage superblocks.
        sh("dd if=/dev/zero of={} bs=4096 count=1 conv=notrunc status=none".format(self.meta_loop))
        sh("dmsetup create {} --table '{}'".format(self.name, self.table(data_size)))
        sh("udevadm settle")

    @property
    def path(self):
        return "/dev/mapper/" + self.name

    @property
    def block_bytes(self):
        return self.block_sectors * SECTOR

    def table(self, data_size):
        feats = " ".join([str(len(self.features))] + self.features) if self.features else "0"
        return "0 {} thin-pool {} {} {} {} {}".format(data_size // SECTOR, self.meta_loop, self.data_loop,
                                                      self.block_sectors, self.low_water_blocks, feats)

    def status(self):
        return parse_pool_status(out("dmsetup status " + self.name))

    def event_nr(self):
        return int(out("dmsetup info -c --noheadings -o events " + self.name))

    def grow_data(self, new_size):
        """What pool-guardian does for loop-lvm: grow the file, the loop device, then the table."""
        sh("truncate -s {} {}".format(new_size, self.data_file))
        sh("losetup -c " + self.data_loop)
        sh("dmsetup reload {} --table '{}'".format(self.name, self.table(new_size)))
        sh("dmsetup resume " + self.name)

    def create_thin(self, size, dev_id=None):
        dev_id = len(self.thins) if dev_id is None else dev_id
        thin = ThinDevice(self, dev_id, size)
        self.thins.append(thin)
        return thin

    def destroy(self):
        """Remove thins, the pool and its loops; never leave a device suspended."""
        for thin in reversed(self.thins):
            thin.destroy()
        if os.path.exists(self.path):
            sh("dmsetup resume {}".format(self.name), check=False)
            sh("dmsetup remove --retry {}".format(self.name), check=False)
        for loop in (self.data_loop, self.meta_loop):
            if loop:
                sh("losetup -d " + loop, check=False)
        for f in (self.data_file, self.meta_file):
            if os.path.exists(f):
                os.unlink(f)


class ThinDevice:
    """A thin volume in a pool: `create_thin` message, then a `thin` target on top."""

    def __init__(self, pool, dev_id, size):
        self.pool, self.dev_id, self.size = pool, dev_id, size
        self.name = "{}-thin{}".format(pool.name, dev_id)
        self.mountpoint = None
        sh("dmsetup message {} 0 'create_thin {}'".format(pool.name, dev_id))
        sh("dmsetup create {} --table '0 {} thin {} {}'".format(self.name, size // SECTOR, pool.path, dev_id))
        sh("udevadm settle")

    @property
    def path(self):
        return "/dev/mapper/" + self.name

    def mkfs_and_mount(self, mountpoint, fs="xfs"):
        sh("mkfs.{} -q {} {}".format(fs, "-f" if fs == "xfs" else "-F", self.path))
        os.makedirs(mountpoint, exist_ok=True)
        sh("mount {} {}".format(self.path, mountpoint))
        self.mountpoint = mountpoint
        return mountpoint

    def destroy(self):
        if self.mountpoint:
            sh("umount " + self.mountpoint, check=False)
            self.mountpoint = None
        if os.path.exists(self.path):
            sh("dmsetup resume {}".format(self.name), check=False)
            sh("dmsetup remove --retry " + self.name, check=False)
            sh("dmsetup message {} 0 'delete {}'".format(self.pool.name, self.dev_id), check=False)


def wait_for_event(pool, after, timeout=60):
    """Start `dmsetup wait POOL after` (returns once the event counter passes `after`)."""
    return subprocess.Popen(["dmsetup", "wait", pool.name, str(after)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, universal_newlines=True)


def leftovers(prefix):
    """dm devices and loop devices still there whose names/files start with prefix (for teardown checks)."""
    devices = [l.split()[0] for l in out("dmsetup ls").splitlines() if l.startswith(prefix)]
    loops = [l for l in out("losetup -a").splitlines() if prefix in l]
    return devices + loops


def suspended_devices():
    names = [l.split()[0] for l in out("dmsetup ls").splitlines() if l.strip() and "No devices" not in l]
    return [n for n in names if "SUSPENDED" in out("dmsetup info " + n)]


def wait_until(predicate, timeout=30, interval=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
