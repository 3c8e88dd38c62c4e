"""Which of a pool's devices the kernel says are suspended: one ioctl each, no process, no Docker.

A suspended pool blocks every write of every container, so the daemon asks before every look and
recover resumes what it finds. A direct-lvm pool is a stack (its _tdata and _tmeta under it);
a loop-lvm pool's loop devices cannot be suspended.
"""
from guardian.host import devmapper
from guardian.host.kernel import block_device_name


def stack(pool):
    """The pool's dm devices, lower ones first (direct-lvm's _tdata and _tmeta, then the pool)."""
    lower = [block_device_name(d) for d in (pool.table.data_dev, pool.table.metadata_dev)] if pool.table else []
    return [name for name in lower if name and not name.startswith("loop")] + [pool.name]


def suspended(pool):
    """The names in the pool's stack the kernel says are suspended."""
    names = []
    for name in stack(pool) if pool is not None and pool.table is not None else ():
        try:
            info = devmapper.device_info(name)
        except devmapper.DevmapperError:
            continue
        if info.exists and info.suspended:
            names.append(name)
    return names
